package io.parley.server.moderation;

import io.parley.infra.RedisClient;
import io.parley.protocol.RedisKeys;
import io.parley.server.metrics.Metrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processes as Redis knows them: live replicas from the presence heartbeats (with the connection counts each
 * replica writes every {@link #REPORT_MS} ms), live workers from their heartbeats, partitions from the leases,
 * depths from the queue lists.
 */
public final class RedisClusterView implements ClusterView {
    static final long REPORT_MS = 2_000;
    private static final Logger log = LoggerFactory.getLogger(RedisClusterView.class);

    private final RedisClient redis;
    private final RedisKeys keys;
    private final int partitions;

    public RedisClusterView(RedisClient redis, RedisKeys keys, int partitions) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.partitions = partitions;
    }

    @Override
    public AutoCloseable report(String serverId, IntSupplier connections) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("parley-replica-report").daemon().factory());
        timer.scheduleWithFixedDelay(
                () -> {
                    try {
                        redis.jedis()
                                .hset(keys.replicaConnections(), serverId, Integer.toString(connections.getAsInt()));
                    } catch (RuntimeException e) {
                        log.debug("Reporting connections failed: {}", e.toString());
                    }
                },
                0,
                REPORT_MS,
                TimeUnit.MILLISECONDS);
        return () -> {
            timer.shutdownNow();
            try {
                redis.jedis().hdel(keys.replicaConnections(), serverId);
            } catch (RuntimeException e) {
                log.debug("Removing the connection report failed: {}", e.toString());
            }
        };
    }

    @Override
    public List<Replica> replicas(String selfId, int selfConnections) {
        List<String> live =
                redis.jedis().zrangeByScore(keys.liveServers(), System.currentTimeMillis(), Double.MAX_VALUE);
        Map<String, String> counts = redis.jedis().hgetAll(keys.replicaConnections());
        Map<String, Integer> replicas = new TreeMap<>();
        for (String id : live) {
            String count = counts.get(id);
            replicas.put(id, count == null ? 0 : Integer.parseInt(count));
        }
        replicas.put(selfId, selfConnections); // this one is alive: it is answering
        return replicas.entrySet().stream()
                .map(e -> new Replica(e.getKey(), e.getValue()))
                .toList();
    }

    @Override
    public List<Worker> workers() {
        Map<String, List<Integer>> held = new TreeMap<>();
        for (String id : redis.jedis().zrangeByScore(keys.workers(), System.currentTimeMillis(), Double.MAX_VALUE)) {
            held.put(id, new ArrayList<>());
        }
        // The leases live on the shards of their partitions: one pipeline per node.
        List<RedisClient.Reply> owners =
                redis.pipelined(all(), p -> RedisClient.bytes(keys.lease(p)), (pipe, p) -> pipe.get(keys.lease(p)));
        for (int p = 0; p < partitions; p++) {
            if (owners.get(p).get() instanceof String owner) {
                held.computeIfAbsent(owner, o -> new ArrayList<>()).add(p);
            }
        }
        return held.entrySet().stream()
                .map(e -> new Worker(e.getKey(), e.getValue()))
                .toList();
    }

    @Override
    public List<Depth> queue() {
        Metrics.QueueLengths lengths = queueLengths();
        List<Depth> depths = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            // Taken but not yet stored still waits for storage: both count.
            depths.add(new Depth(p, lengths.queued()[p] + lengths.inflight()[p]));
        }
        return depths;
    }

    /** Each partition's queued and taken-not-stored envelopes, also for the queue gauges. */
    public Metrics.QueueLengths queueLengths() {
        List<RedisClient.Reply> queued =
                redis.pipelined(all(), p -> RedisClient.bytes(keys.queue(p)), (pipe, p) -> pipe.llen(keys.queue(p)));
        List<RedisClient.Reply> inflight = redis.pipelined(
                all(), p -> RedisClient.bytes(keys.inflight(p)), (pipe, p) -> pipe.llen(keys.inflight(p)));
        return new Metrics.QueueLengths(
                queued.stream().mapToLong(r -> (Long) r.get()).toArray(),
                inflight.stream().mapToLong(r -> (Long) r.get()).toArray());
    }

    private List<Integer> all() {
        return IntStream.range(0, partitions).boxed().toList();
    }
}
