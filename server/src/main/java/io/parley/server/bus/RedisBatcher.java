package io.parley.server.bus;

import io.parley.infra.LuaScript;
import io.parley.infra.RedisClient;
import io.parley.protocol.ErrorCode;
import io.parley.server.ApiException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisRedirectionException;

/**
 * One thread that sends Redis commands in pipelined batches, in submission order, and completes each with its
 * reply. Submission order is what keeps one connection's sends in order; the queue bound keeps memory bounded. On a
 * Redis Cluster a batch is split by the node serving each command's key, one pipeline per node; with replicas to wait
 * for, each pipeline that carries a durable write ends with {@code WAIT}, on the connection that wrote. Ops of one
 * {@link Grouped group} in a batch share one command (say, every push onto one queue partition).
 */
public final class RedisBatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisBatcher.class);
    private static final int MAX_BATCH = 512;

    /** One command and what to do with its reply. */
    public interface Op {
        /** The key (or shard channel) the command is routed by on a Redis Cluster. */
        byte[] key();

        Response<?> queue(Pipeline pipeline);

        /** A write that must reach the replicas ({@code PARLEY_REDIS_WAIT_REPLICAS}) before it completes. */
        default boolean durable() {
            return false;
        }

        void complete(Object reply, Throwable failure);

        /** The script {@link #queue} runs by its SHA-1, if any: on NOSCRIPT it is loaded and the op sent again. */
        default LuaScript script() {
            return null;
        }
    }

    /**
     * An op that shares one command with the other ops of its {@link #group} in a pipeline: the first of them queues
     * the command for all ({@link #queueGroup}, in submission order), whose reply is a list with each one's answer.
     */
    public interface Grouped extends Op {
        /** Ops with equal groups share a command; they must share {@link #key} and {@link #script} too. */
        Object group();

        /** Queues one command for {@code ops} (this one first), answering a list with one reply per op, in order. */
        Response<?> queueGroup(Pipeline pipeline, List<Grouped> ops);

        @Override
        default Response<?> queue(Pipeline pipeline) {
            return queueGroup(pipeline, List.of(this));
        }
    }

    private final RedisClient redis;
    private final int waitReplicas;
    private final int waitTimeoutMs;
    private final ArrayBlockingQueue<Op> queue;
    private final Thread thread;
    private volatile boolean running = true;
    private long lastWaitWarning; // writer thread only
    private long lastFailureWarning; // writer thread only

    public RedisBatcher(RedisClient redis, int capacity, String name) {
        this(redis, capacity, name, 0, 1);
    }

    /** Durable writes complete only once {@code waitReplicas} replicas have them, or fail after the timeout. */
    public RedisBatcher(RedisClient redis, int capacity, String name, int waitReplicas, int waitTimeoutMs) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.waitReplicas = waitReplicas;
        this.waitTimeoutMs = waitTimeoutMs;
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

    /** Whether durable writes wait for replicas, so that a producer can make a retry count as a write too. */
    public boolean waitsForReplicas() {
        return waitReplicas > 0;
    }

    private void execute(List<Op> batch) {
        Map<HostAndPort, List<Integer>> groups = redis.byNode(batch, Op::key);
        if (groups.size() == 1) {
            execute(groups.keySet().iterator().next(), batch);
            return;
        }
        groups.forEach((node, indexes) ->
                execute(node, indexes.stream().map(batch::get).toList()));
    }

    private void execute(HostAndPort node, List<Op> batch) {
        boolean durable = waitReplicas > 0 && batch.stream().anyMatch(Op::durable);
        Sent sent;
        try (Connection connection = redis.connection(node)) {
            sent = send(connection, batch, durable);
            List<Integer> noScript = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                if (sent.replies.get(i) instanceof Failure f
                        && batch.get(i).script() != null
                        && LuaScript.isNoScript(f.e)) {
                    noScript.add(i);
                }
            }
            if (!noScript.isEmpty()) {
                // Redis lost its script cache (a restart): nothing of those ops ran, so they are sent again, still in
                // submission order. Ops before the first of them ran already; a cache emptied mid-batch fails every
                // script op after it, so order within the batch holds.
                Sent second =
                        sendAgain(connection, noScript.stream().map(batch::get).toList(), durable);
                for (int k = 0; k < noScript.size(); k++) {
                    sent.replies.set(noScript.get(k), second.replies.get(k));
                }
                // WAIT counts every write of the connection so far: the second one covers the first pipeline too.
                sent = new Sent(sent.replies, second.replicated);
            }
        } catch (RuntimeException e) {
            long now = System.currentTimeMillis();
            // At most every 10 s: while one node of a cluster is down, the others keep answering in between.
            if (now - lastFailureWarning > 10_000) {
                lastFailureWarning = now;
                log.warn("Redis commands failed: {}", e.toString());
            }
            redis.refreshTopology();
            for (Op op : batch) {
                op.complete(null, e);
            }
            return;
        }
        boolean moved = false;
        for (int i = 0; i < batch.size(); i++) {
            Op op = batch.get(i);
            if (sent.replies.get(i) instanceof Failure f) {
                moved |= f.e instanceof JedisRedirectionException;
                op.complete(null, f.e);
            } else if (op.durable() && sent.replicated < waitReplicas) {
                // The master has it but may lose it in a failover: not acknowledged. A retry with the same
                // clientMsgId is answered with this message's id, never queued twice.
                op.complete(
                        null,
                        new ApiException(
                                ErrorCode.UNAVAILABLE,
                                "the message queue could not confirm the message on " + waitReplicas + " replica(s)"
                                        + " within " + waitTimeoutMs + " ms, try again"));
            } else {
                op.complete(sent.replies.get(i), null);
            }
        }
        if (moved) {
            redis.refreshTopology();
        }
    }

    /** As {@link #send}, for ops whose first try got NOSCRIPT; a failure here fails only them, not the batch. */
    private Sent sendAgain(Connection connection, List<Op> ops, boolean durable) {
        try {
            ops.stream().map(Op::script).distinct().forEach(script -> script.load(connection));
            return send(connection, ops, durable);
        } catch (RuntimeException e) {
            return new Sent(ops.stream().map(op -> (Object) new Failure(e)).collect(Collectors.toList()), -1);
        }
    }

    /** A command's error reply, told apart from a reply value. */
    private record Failure(RuntimeException e) {}

    /**
     * Each op's reply or {@link Failure}, and how many replicas confirmed the connection's writes ({@code WAIT}, when
     * {@code durable}; else as many as asked for).
     */
    private record Sent(List<Object> replies, long replicated) {}

    /**
     * Sends {@code ops} in one pipeline, ending with {@code WAIT} when {@code durable}; the ops of a group go in one
     * command, at the place of the first of them.
     */
    private Sent send(Connection connection, List<Op> ops, boolean durable) {
        Pipeline pipeline = new Pipeline(connection);
        Map<Object, List<Integer>> groups = new HashMap<>();
        for (int i = 0; i < ops.size(); i++) {
            if (ops.get(i) instanceof Grouped g) {
                groups.computeIfAbsent(g.group(), k -> new ArrayList<>(4)).add(i);
            }
        }
        Response<?>[] responses = new Response<?>[ops.size()];
        int[] element = new int[ops.size()]; // which element of a group's list reply answers the op; -1: all of it
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            if (!(op instanceof Grouped g)) {
                responses[i] = op.queue(pipeline);
                element[i] = -1;
                continue;
            }
            List<Integer> members = groups.get(g.group());
            if (members.getFirst() != i) {
                continue; // queued with the first of its group
            }
            List<Grouped> grouped = new ArrayList<>(members.size());
            members.forEach(m -> grouped.add((Grouped) ops.get(m)));
            Response<?> shared = g.queueGroup(pipeline, grouped);
            for (int k = 0; k < members.size(); k++) {
                responses[members.get(k)] = shared;
                element[members.get(k)] = k;
            }
        }
        // WAIT counts the writes of this connection: the pipeline's own, on the master that took them.
        Response<Long> waited = durable ? pipeline.waitReplicas(waitReplicas, waitTimeoutMs) : null;
        pipeline.sync();
        List<Object> replies = new ArrayList<>(ops.size());
        for (int i = 0; i < ops.size(); i++) {
            try {
                Object reply = responses[i].get();
                replies.add(element[i] < 0 ? reply : ((List<?>) reply).get(element[i]));
            } catch (RuntimeException e) {
                replies.add(new Failure(e));
            }
        }
        return new Sent(replies, replicated(waited));
    }

    private long replicated(Response<Long> waited) {
        if (waited == null) {
            return Long.MAX_VALUE;
        }
        try {
            long replicas = waited.get();
            long now = System.currentTimeMillis();
            if (replicas < waitReplicas && now - lastWaitWarning > 10_000) {
                lastWaitWarning = now;
                log.warn("WAIT {} {}: only {} replica(s) confirmed", waitReplicas, waitTimeoutMs, replicas);
            }
            return replicas;
        } catch (RuntimeException e) {
            log.warn("WAIT failed: {}", e.toString());
            return -1;
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
