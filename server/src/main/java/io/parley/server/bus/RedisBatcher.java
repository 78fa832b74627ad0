package io.parley.server.bus;

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
        List<Response<?>> replies = new ArrayList<>(batch.size());
        try (Jedis jedis = pool.getResource()) {
            Pipeline pipeline = jedis.pipelined();
            for (Op op : batch) {
                replies.add(op.queue(pipeline));
            }
            pipeline.sync();
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
            Object reply;
            try {
                reply = replies.get(i).get();
            } catch (RuntimeException e) {
                batch.get(i).complete(null, e);
                continue;
            }
            batch.get(i).complete(reply, null);
        }
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
