package io.parley.worker.queue;

import static java.util.Objects.requireNonNull;

import io.parley.infra.LuaScript;
import io.parley.infra.RedisClient;
import io.parley.protocol.RedisKeys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.args.ListDirection;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * One worker's view of the partitioned queue. Envelopes move from a partition's queue to its inflight list, and a
 * batch is always read from the old (right) end of the inflight list; so whatever a dead worker left there is
 * processed first and in order, and acknowledging a batch just trims that many envelopes off the right end. On a
 * Redis Cluster a script may only touch its partition's slot, so the messages are published on their shard channels
 * ({@code SPUBLISH}, one pipeline per node) just before the scripts run, which then publish nothing themselves.
 */
public final class PartitionQueue implements WorkQueue {
    // Publishes the previous batch's messages (ARGV[5..]: channel, frame pairs; stored messages may always be
    // published), then, only under our lease, acknowledges that batch (its ARGV[3] envelopes at the right end, but
    // only while the newest of them is still ARGV[4], so a retried acknowledgement never trims twice), tops
    // the inflight list up to ARGV[2] envelopes and returns its oldest ARGV[2] (newest first). nil when the lease is
    // not ours, so a worker that lost its lease never acknowledges or takes anything. One round trip per batch
    // instead of three: each one costs both processes more than the work it carries. The top-up moves a range (the
    // queue's oldest, pushed oldest first, as one LMOVE each would) in three commands whatever its length.
    private static final LuaScript PUBLISH_ACK_AND_TAKE = new LuaScript(
            """
            for i = 5, #ARGV, 2 do
              redis.call('publish', ARGV[i], ARGV[i + 1])
            end
            if redis.call('get', KEYS[3]) ~= ARGV[1] then
              return false
            end
            local ack = tonumber(ARGV[3])
            if ack > 0 and redis.call('lindex', KEYS[2], -ack) == ARGV[4] then
              redis.call('ltrim', KEYS[2], 0, -(ack + 1))
            end
            local max = tonumber(ARGV[2])
            if max == 0 then
              return {}
            end
            local n = redis.call('llen', KEYS[2])
            if n < max then
              local moved = redis.call('lrange', KEYS[1], n - max, -1)
              local k = #moved
              if k > 0 then
                redis.call('ltrim', KEYS[1], 0, -(k + 1))
                local oldest = {}
                for i = k, 1, -1 do
                  oldest[#oldest + 1] = moved[i]
                end
                for i = 1, k, 1000 do
                  redis.call('lpush', KEYS[2], unpack(oldest, i, math.min(i + 999, k)))
                end
                n = n + k
              end
            end
            if n == 0 then
              return {}
            end
            return redis.call('lrange', KEYS[2], -math.min(n, max), -1)""");
    private final RedisClient redis;
    private final boolean sharded;
    private final RedisKeys keys;
    private final String workerId;
    private final byte[] workerIdBytes;
    // Per partition, the newest envelope of the batch last handed to the caller (never of one it did not get): the
    // acknowledgement of that batch trims only while it is still in place. If a reply is lost after the script ran,
    // the retry finds it gone and trims nothing.
    private final Map<Integer, byte[]> newestTaken = new ConcurrentHashMap<>();

    public PartitionQueue(RedisClient redis, RedisKeys keys, String workerId) {
        this.redis = requireNonNull(redis, "redis");
        this.sharded = redis.isCluster();
        this.keys = requireNonNull(keys, "keys");
        this.workerId = requireNonNull(workerId, "workerId");
        this.workerIdBytes = bytes(workerId);
    }

    @Override
    public Taken publishAckAndTake(int partition, int max, int ackCount, List<byte[]> publish) {
        if (sharded) {
            publishSharded(publish);
        }
        Object reply = PUBLISH_ACK_AND_TAKE.evalBinary(
                redis.jedis(), takeKeys(partition), takeArgs(partition, max, ackCount, sharded ? List.of() : publish));
        return taken(partition, reply);
    }

    /**
     * Runs {@code steps} in one pipeline, one round trip for all of them, answering each in order. Throws when the
     * pipeline as a whole failed; then some of the steps may have run.
     */
    @Override
    public List<Taken> publishAckAndTakeAll(List<Step> steps) {
        if (sharded) {
            publishSharded(steps.stream().flatMap(t -> t.publish().stream()).toList());
        }
        List<RedisClient.Reply> replies = redis.pipelined(
                steps,
                t -> bytes(keys.queue(t.partition())),
                (pipeline, t) -> PUBLISH_ACK_AND_TAKE.evalBinary(
                        pipeline,
                        takeKeys(t.partition()),
                        takeArgs(t.partition(), t.max(), t.ackCount(), sharded ? List.of() : t.publish())));
        // Before any answer is read: reading one records its newest envelope, against which the next acknowledgement
        // of its partition trims. A step answered here but then thrown away with the rest would make the caller's
        // retry acknowledge the batch it stored by the newest envelope of one it never saw, trimming that one if both
        // are the same size (acknowledged messages lost in a cluster whenever another node failed mid-round).
        for (RedisClient.Reply reply : replies) {
            if (reply.failure() instanceof JedisConnectionException lost) {
                throw lost; // as a whole pipeline lost: the caller retries every step
            }
        }
        List<Taken> answers = new ArrayList<>(steps.size());
        for (int i = 0; i < replies.size(); i++) {
            RedisClient.Reply reply = replies.get(i);
            try {
                answers.add(taken(steps.get(i).partition(), reply.get()));
            } catch (RuntimeException e) {
                answers.add(new Taken.Failed(e));
            }
        }
        return answers;
    }

    // Channel, frame pairs, each on the node serving its channel; a failure throws, before anything is acknowledged.
    private void publishSharded(List<byte[]> channelsAndFrames) {
        if (channelsAndFrames.isEmpty()) {
            return;
        }
        List<Integer> pairs =
                IntStream.range(0, channelsAndFrames.size() / 2).boxed().toList();
        for (RedisClient.Reply reply : redis.pipelined(
                pairs,
                i -> channelsAndFrames.get(2 * i),
                (pipeline, i) -> pipeline.sendCommand(
                        Protocol.Command.SPUBLISH, channelsAndFrames.get(2 * i), channelsAndFrames.get(2 * i + 1)))) {
            reply.get();
        }
    }

    private List<byte[]> takeKeys(int partition) {
        return List.of(bytes(keys.queue(partition)), bytes(keys.inflight(partition)), bytes(keys.lease(partition)));
    }

    private List<byte[]> takeArgs(int partition, int max, int ackCount, List<byte[]> publish) {
        List<byte[]> args = new ArrayList<>(4 + publish.size());
        args.add(workerIdBytes);
        args.add(Integer.toString(max).getBytes(StandardCharsets.US_ASCII));
        args.add(Integer.toString(ackCount).getBytes(StandardCharsets.US_ASCII));
        args.add(newestTaken.getOrDefault(partition, new byte[0]));
        args.addAll(publish);
        return args;
    }

    private Taken taken(int partition, Object reply) {
        if (reply == null) {
            return new Taken.NotOurLease();
        }
        List<?> newestFirst = (List<?>) reply;
        if (!newestFirst.isEmpty()) {
            newestTaken.put(partition, (byte[]) newestFirst.get(0));
        }
        List<String> batch = new ArrayList<>(newestFirst.size());
        for (int i = newestFirst.size() - 1; i >= 0; i--) {
            batch.add(new String((byte[]) newestFirst.get(i), StandardCharsets.UTF_8));
        }
        return new Taken.Batch(batch);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Blocks until an envelope arrives in the partition's queue or the timeout passes, moving that first one to the
     * inflight list where the next {@link #publishAckAndTake} finds it. Safe without the lease: the move keeps queue
     * order.
     */
    @Override
    public void awaitEnvelope(int partition, Duration timeout) {
        // Sent as a plain command: Jedis lifts the socket timeout for its blocking commands, so a connection
        // that silently died would block this thread forever; here the pool's socket timeout still applies.
        redis.jedis()
                .sendCommand(
                        keys.queue(partition),
                        Protocol.Command.BLMOVE,
                        keys.queue(partition),
                        keys.inflight(partition),
                        ListDirection.RIGHT.name(),
                        ListDirection.LEFT.name(),
                        Double.toString(timeout.toMillis() / 1000.0));
    }

    /**
     * How many envelopes the inflight list holds. Asked once when this worker starts consuming a partition, these are
     * the only envelopes that an earlier owner may already have stored: every later one is moved here by this worker.
     */
    @Override
    public long inflightLength(int partition) {
        return redis.jedis().llen(keys.inflight(partition));
    }
}
