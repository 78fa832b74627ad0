package io.parley.server.bus;

import io.parley.infra.LuaScript;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * One thread that sends Redis commands in pipelined batches, in submission order, and completes each with its
 * reply. Submission order is what keeps one connection's sends in order; the queue bound keeps memory bounded.
 */
public final class RedisBatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisBatcher.class);
    private static final int MAX_BATCH = 512;

    /** One command and what to do with its reply. */
    public interface Op {
        Response<?> queue(Pipeline pipeline);

        void complete(Object reply, Throwable failure);

        /** The script {@link #queue} runs by its SHA-1, if any: on NOSCRIPT it is loaded and the op sent again. */
        default LuaScript script() {
            return null;
        }
    }

    private final JedisPool pool;
    private final ArrayBlockingQueue<Op> queue;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean healthy = true;

    public RedisBatcher(JedisPool pool, int capacity, String name) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues an op; refused at once (completed with a failure) when the queue is full or closed. */
    public void submit(Op op) {
        if (!running || !queue.offer(op)) {
            op.complete(null, new RejectedExecutionException("Redis command queue is full"));
        }
    }

    public int pending() {
        return queue.size();
    }

    private void run() {
        List<Op> batch = new ArrayList<>(MAX_BATCH);
        while (running || !queue.isEmpty()) {
            try {
                Op first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                execute(batch);
            } catch (InterruptedException e) {
                if (!running) {
                    break;
                }
            } finally {
                batch.clear();
            }
        }
    }

    private void execute(List<Op> batch) {
        List<Object> replies;
        try (Jedis jedis = pool.getResource()) {
            replies = send(jedis, batch);
            List<Integer> noScript = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                if (replies.get(i) instanceof Failure f && batch.get(i).script() != null && LuaScript.isNoScript(f.e)) {
                    noScript.add(i);
                }
            }
            if (!noScript.isEmpty()) {
                // Redis lost its script cache (a restart): nothing of those ops ran, so they are sent again, still in
                // submission order. Ops before the first of them ran already; a cache emptied mid-batch fails every
                // script op after it, so order within the batch holds.
                List<Op> again = noScript.stream().map(batch::get).toList();
                List<Object> second = sendAgain(jedis, again);
                for (int k = 0; k < noScript.size(); k++) {
                    replies.set(noScript.get(k), second.get(k));
                }
            }
        } catch (RuntimeException e) {
            if (healthy) {
                log.warn("Redis commands failed: {}", e.toString());
            }
            healthy = false;
            for (Op op : batch) {
                op.complete(null, e);
            }
            return;
        }
        healthy = true;
        for (int i = 0; i < batch.size(); i++) {
            if (replies.get(i) instanceof Failure f) {
                batch.get(i).complete(null, f.e);
            } else {
                batch.get(i).complete(replies.get(i), null);
            }
        }
    }

    /** As {@link #send}, for ops whose first try got NOSCRIPT; a failure here fails only them, not the batch. */
    private static List<Object> sendAgain(Jedis jedis, List<Op> ops) {
        try {
            ops.stream().map(Op::script).distinct().forEach(script -> script.load(jedis));
            return send(jedis, ops);
        } catch (RuntimeException e) {
            return ops.stream().map(op -> (Object) new Failure(e)).toList();
        }
    }

    /** A command's error reply, told apart from a reply value. */
    private record Failure(RuntimeException e) {}

    /** Sends {@code ops} in one pipeline; answers each one's reply or {@link Failure}. */
    private static List<Object> send(Jedis jedis, List<Op> ops) {
        Pipeline pipeline = jedis.pipelined();
        List<Response<?>> responses = new ArrayList<>(ops.size());
        for (Op op : ops) {
            responses.add(op.queue(pipeline));
        }
        pipeline.sync();
        List<Object> replies = new ArrayList<>(ops.size());
        for (Response<?> response : responses) {
            try {
                replies.add(response.get());
            } catch (RuntimeException e) {
                replies.add(new Failure(e));
            }
        }
        return replies;
    }

    /** Stops taking work, sends what is queued, and waits for the thread to finish. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
