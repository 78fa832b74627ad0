package io.parley.worker.queue;

import static java.util.Objects.requireNonNull;

import io.parley.infra.LuaScript;
import io.parley.infra.RedisClient;
import io.parley.protocol.RedisKeys;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import redis.clients.jedis.params.SetParams;

/**
 * Partition leases and worker heartbeats in Redis: a lease is a key holding the owner's worker id with a TTL, only
 * ever renewed or deleted by a script that first checks the owner, so a worker can never extend or drop another's.
 */
public final class PartitionLeases implements Leases {
    private static final LuaScript RENEW = new LuaScript(
            """
            if redis.call('get', KEYS[1]) == ARGV[1] then
              return redis.call('pexpire', KEYS[1], ARGV[2])
            end
            return 0""");
    private static final LuaScript RELEASE = new LuaScript(
            """
            if redis.call('get', KEYS[1]) == ARGV[1] then
              return redis.call('del', KEYS[1])
            end
            return 0""");
    // Redis's clock, not ours, scores the heartbeats, so skew between worker hosts cannot hide a live worker.
    private static final LuaScript HEARTBEAT = new LuaScript(
            """
            local t = redis.call('time')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local ttl = tonumber(ARGV[2])
            redis.call('zadd', KEYS[1], now + ttl, ARGV[1])
            redis.call('zremrangebyscore', KEYS[1], '-inf', now)
            redis.call('pexpire', KEYS[1], ttl * 3)
            return redis.call('zcard', KEYS[1])""");

    private final RedisClient redis;
    private final RedisKeys keys;
    private final String workerId;
    private final int leaseMs;

    public PartitionLeases(RedisClient redis, RedisKeys keys, String workerId, int leaseMs) {
        this.redis = requireNonNull(redis, "redis");
        this.keys = requireNonNull(keys, "keys");
        this.workerId = requireNonNull(workerId, "workerId");
        if (leaseMs <= 0) {
            throw new IllegalArgumentException("leaseMs: " + leaseMs + " (expected: > 0)");
        }
        this.leaseMs = leaseMs;
    }

    @Override
    public String workerId() {
        return workerId;
    }

    /** Records this worker as alive for one lease period and answers how many workers are alive now (at least 1). */
    @Override
    public long heartbeat() {
        Object live =
                HEARTBEAT.eval(redis.jedis(), List.of(keys.workers()), List.of(workerId, Integer.toString(leaseMs)));
        return Math.max(1, (Long) live);
    }

    /** Removes this worker from the live set, so the others take its share at once instead of after a lease period. */
    @Override
    public void leave() {
        redis.jedis().zrem(keys.workers(), workerId);
    }

    /** The partitions among {@code 0..partitions-1} that nobody holds a lease on. */
    @Override
    public List<Integer> free(int partitions) {
        // One GET per lease, pipelined per node: on a cluster the leases live in their partitions' slots.
        List<Integer> all = IntStream.range(0, partitions).boxed().toList();
        List<RedisClient.Reply> owners = redis.pipelined(
                all, p -> RedisClient.bytes(keys.lease(p)), (pipeline, p) -> pipeline.get(keys.lease(p)));
        List<Integer> free = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            if (owners.get(p).get() == null) {
                free.add(p);
            }
        }
        return free;
    }

    @Override
    public boolean tryAcquire(int partition) {
        return "OK"
                .equals(redis.jedis()
                        .set(
                                keys.lease(partition),
                                workerId,
                                SetParams.setParams().nx().px(leaseMs)));
    }

    /** Extends every lease in {@code held} by one lease period; answers the ones this worker no longer holds. */
    @Override
    public Set<Integer> renew(Collection<Integer> held) {
        if (held.isEmpty()) {
            return Set.of();
        }
        List<Integer> partitions = List.copyOf(held);
        // EVAL rather than EVALSHA: a pipeline cannot fall back when Redis restarted and forgot its scripts.
        List<RedisClient.Reply> answers = redis.pipelined(
                partitions,
                p -> RedisClient.bytes(keys.lease(p)),
                (pipeline, p) -> pipeline.eval(
                        RENEW.source(), List.of(keys.lease(p)), List.of(workerId, Integer.toString(leaseMs))));
        Set<Integer> lost = new HashSet<>();
        for (int i = 0; i < partitions.size(); i++) {
            if (!Long.valueOf(1).equals(answers.get(i).get())) {
                lost.add(partitions.get(i));
            }
        }
        return lost;
    }

    /** Deletes the lease if this worker still holds it; answers whether it did. */
    @Override
    public boolean release(int partition) {
        return Long.valueOf(1).equals(RELEASE.eval(redis.jedis(), List.of(keys.lease(partition)), List.of(workerId)));
    }
}
