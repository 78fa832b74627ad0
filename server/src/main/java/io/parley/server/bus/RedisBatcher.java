package io.parley.server.bus;

import io.parley.infra.RedisClient;
import io.parley.protocol.ErrorCode;
import io.parley.server.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
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
 * for, each pipeline that carries a durable write ends with {@code WAIT}, on the connection that wrote.
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
        List<Response<?>> replies = new ArrayList<>(batch.size());
        Response<Long> waited = null;
        try (Connection connection = redis.connection(node)) {
            Pipeline pipeline = new Pipeline(connection);
            for (Op op : batch) {
                replies.add(op.queue(pipeline));
            }
            if (waitReplicas > 0 && batch.stream().anyMatch(Op::durable)) {
                // WAIT counts the writes of this connection: the pipeline's own, on the master that took them.
                waited = pipeline.waitReplicas(waitReplicas, waitTimeoutMs);
            }
            pipeline.sync();
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
        long replicated = replicated(waited);
        boolean moved = false;
        for (int i = 0; i < batch.size(); i++) {
            Op op = batch.get(i);
            Object reply;
            try {
                reply = replies.get(i).get();
            } catch (RuntimeException e) {
                moved |= e instanceof JedisRedirectionException;
                op.complete(null, e);
                continue;
            }
            if (op.durable() && replicated < waitReplicas) {
                // The master has it but may lose it in a failover: not acknowledged. A retry with the same
                // clientMsgId is answered with this message's id, never queued twice.
                op.complete(
                        null,
                        new ApiException(
                                ErrorCode.UNAVAILABLE,
                                "the message queue could not confirm the message on " + waitReplicas + " replica(s)"
                                        + " within " + waitTimeoutMs + " ms, try again"));
                continue;
            }
            op.complete(reply, null);
        }
        if (moved) {
            redis.refreshTopology();
        }
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
