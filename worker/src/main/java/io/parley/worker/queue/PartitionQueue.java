package io.parley.worker.queue;

import static java.util.Objects.requireNonNull;

import io.parley.protocol.RedisKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.args.ListDirection;

/**
 * One worker's view of the partitioned queue. Envelopes move from a partition's queue to its inflight list, and a
 * batch is always read from the old (right) end of the inflight list; so whatever a dead worker left there is
 * processed first and in order, and acknowledging a batch just trims that many envelopes off the right end.
 */
public final class PartitionQueue {
    // Tops the inflight list up to ARGV[2] envelopes, then returns its oldest ARGV[2] (newest first); nil when the
    // lease is not ours, so a worker that lost its lease never takes anything.
    private static final LuaScript TAKE = new LuaScript("""
            if redis.call('get', KEYS[3]) ~= ARGV[1] then
              return false
            end
            local max = tonumber(ARGV[2])
            local n = redis.call('llen', KEYS[2])
            while n < max do
              if not redis.call('lmove', KEYS[1], KEYS[2], 'RIGHT', 'LEFT') then
                break
              end
              n = n + 1
            end
            if n == 0 then
              return {}
            end
            return redis.call('lrange', KEYS[2], -math.min(n, max), -1)""");
    // Only pushes ever happen at the left end, so the ARGV[2] rightmost envelopes are exactly the batch just handled.
    private static final LuaScript ACK = new LuaScript("""
            if redis.call('get', KEYS[2]) ~= ARGV[1] then
              return 0
            end
            redis.call('ltrim', KEYS[1], 0, -(tonumber(ARGV[2]) + 1))
            return 1""");

    private final JedisPool pool;
    private final RedisKeys keys;
    private final String workerId;

    public PartitionQueue(JedisPool pool, RedisKeys keys, String workerId) {
        this.pool = requireNonNull(pool, "pool");
        this.keys = requireNonNull(keys, "keys");
        this.workerId = requireNonNull(workerId, "workerId");
    }

    /**
     * The oldest envelopes of the partition, oldest first, at most {@code max}: leftovers in the inflight list before
     * anything new. Empty when there is nothing to do; null when this worker does not hold the partition's lease.
     */
    public List<String> take(int partition, int max) {
        Object reply;
        try (Jedis jedis = pool.getResource()) {
            reply = TAKE.eval(jedis, List.of(keys.queue(partition), keys.inflight(partition), keys.lease(partition)),
                    List.of(workerId, Integer.toString(max)));
        }
        if (reply == null) {
            return null;
        }
        List<?> newestFirst = (List<?>) reply;
        List<String> batch = new ArrayList<>(newestFirst.size());
        for (Object envelope : newestFirst) {
            batch.add((String) envelope);
        }
        Collections.reverse(batch);
        return batch;
    }

    /**
     * Blocks until an envelope arrives in the partition's queue or the timeout passes, moving that first one to the
     * inflight list where the next {@link #take} finds it. Safe without the lease: the move keeps queue order.
     */
    public void awaitEnvelope(int partition, Duration timeout) {
        try (Jedis jedis = pool.getResource()) {
            // Sent as a plain command: Jedis lifts the socket timeout for its blocking commands, so a connection
            // that silently died would block this thread forever; here the pool's socket timeout still applies.
            jedis.sendCommand(Protocol.Command.BLMOVE, keys.queue(partition), keys.inflight(partition),
                    ListDirection.RIGHT.name(), ListDirection.LEFT.name(), Double.toString(timeout.toMillis() / 1000.0));
        }
    }

    /** Removes a handled batch of {@code count} envelopes; false (and nothing removed) when the lease is not ours. */
    public boolean ack(int partition, int count) {
        try (Jedis jedis = pool.getResource()) {
            Object reply = ACK.eval(jedis, List.of(keys.inflight(partition), keys.lease(partition)),
                    List.of(workerId, Integer.toString(count)));
            return Long.valueOf(1).equals(reply);
        }
    }
}
