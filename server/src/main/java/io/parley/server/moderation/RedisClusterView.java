package io.parley.server.moderation;

import io.parley.protocol.RedisKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * The processes as Redis knows them: live replicas from the presence heartbeats (with the connection counts each
 * replica writes every {@link #REPORT_MS} ms), live workers from their heartbeats, partitions from the leases,
 * depths from the queue lists.
 */
public final class RedisClusterView implements ClusterView {
    static final long REPORT_MS = 2_000;
    private static final Logger log = LoggerFactory.getLogger(RedisClusterView.class);

    private final JedisPool redis;
    private final RedisKeys keys;
    private final int partitions;

    public RedisClusterView(JedisPool redis, RedisKeys keys, int partitions) {
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
                    try (Jedis jedis = redis.getResource()) {
                        jedis.hset(keys.replicaConnections(), serverId, Integer.toString(connections.getAsInt()));
                    } catch (RuntimeException e) {
                        log.debug("Reporting connections failed: {}", e.toString());
                    }
                },
                0,
                REPORT_MS,
                TimeUnit.MILLISECONDS);
        return () -> {
            timer.shutdownNow();
            try (Jedis jedis = redis.getResource()) {
                jedis.hdel(keys.replicaConnections(), serverId);
            } catch (RuntimeException e) {
                log.debug("Removing the connection report failed: {}", e.toString());
            }
        };
    }

    @Override
    public List<Replica> replicas(String selfId, int selfConnections) {
        try (Jedis jedis = redis.getResource()) {
            List<String> live = jedis.zrangeByScore(keys.liveServers(), System.currentTimeMillis(), Double.MAX_VALUE);
            Map<String, Integer> replicas = new TreeMap<>();
            for (String id : live) {
                String count = jedis.hget(keys.replicaConnections(), id);
                replicas.put(id, count == null ? 0 : Integer.parseInt(count));
            }
            replicas.put(selfId, selfConnections); // this one is alive: it is answering
            return replicas.entrySet().stream()
                    .map(e -> new Replica(e.getKey(), e.getValue()))
                    .toList();
        }
    }

    @Override
    public List<Worker> workers() {
        try (Jedis jedis = redis.getResource()) {
            Map<String, List<Integer>> held = new TreeMap<>();
            for (String id : jedis.zrangeByScore(keys.workers(), System.currentTimeMillis(), Double.MAX_VALUE)) {
                held.put(id, new ArrayList<>());
            }
            Pipeline pipeline = jedis.pipelined();
            List<Response<String>> owners = new ArrayList<>(partitions);
            for (int p = 0; p < partitions; p++) {
                owners.add(pipeline.get(keys.lease(p)));
            }
            pipeline.sync();
            for (int p = 0; p < partitions; p++) {
                String owner = owners.get(p).get();
                if (owner != null) {
                    held.computeIfAbsent(owner, o -> new ArrayList<>()).add(p);
                }
            }
            return held.entrySet().stream()
                    .map(e -> new Worker(e.getKey(), e.getValue()))
                    .toList();
        }
    }

    @Override
    public List<Depth> queue() {
        try (Jedis jedis = redis.getResource()) {
            Pipeline pipeline = jedis.pipelined();
            List<Response<Long>> queued = new ArrayList<>(partitions);
            List<Response<Long>> taken = new ArrayList<>(partitions);
            for (int p = 0; p < partitions; p++) {
                queued.add(pipeline.llen(keys.queue(p)));
                taken.add(pipeline.llen(keys.inflight(p)));
            }
            pipeline.sync();
            List<Depth> depths = new ArrayList<>(partitions);
            for (int p = 0; p < partitions; p++) {
                // Taken but not yet stored still waits for storage: both count.
                depths.add(new Depth(p, queued.get(p).get() + taken.get(p).get()));
            }
            return depths;
        }
    }
}
