package io.parley.server.bus;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.parley.infra.LuaScript;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.QueueEnvelope;
import io.parley.protocol.RedisKeys;
import io.parley.server.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * Pushes accepted messages onto their room's queue partition, while it holds fewer than its bound of envelopes (past
 * it, while the workers cannot store, say in a database outage, sends are refused rather than filling Redis's memory).
 * A send with a {@code clientMsgId} records the id it was acknowledged with and is pushed only the first time,
 * atomically, so a retry is acknowledged again with the original id and never queued twice. The sends of one
 * partition that meet in one of the writer's pipelines go in one script call, in submission order.
 */
public final class QueueProducer implements MessageQueue {
    private static final int CLIENT_MSG_ID_TTL_SECONDS = 24 * 3600; // how long a clientMsgId is remembered
    private static final String TTL = Integer.toString(CLIENT_MSG_ID_TTL_SECONDS);
    /**
     * Run by its SHA-1: sent as text only after Redis lost its script cache. KEYS[1] the partition, KEYS[2..] the
     * dedupe keys of the sends that have a clientMsgId; ARGV[1] max depth, ARGV[2] dedupe TTL, then per send its
     * envelope, id and the index of its dedupe key in KEYS (0: none). Answers per send, in order: the id it is
     * acknowledged with (a retried clientMsgId's first one), or 0 when the partition is full.
     */
    private static final LuaScript PUSH = new LuaScript(
            """
            local depth = redis.call('LLEN', KEYS[1])
            local max = tonumber(ARGV[1])
            local answers = {}
            local pushed = {}
            for i = 3, #ARGV, 3 do
              local k = tonumber(ARGV[i + 2])
              local existing = k > 0 and redis.call('GET', KEYS[k])
              if existing then
                answers[#answers + 1] = existing
              elseif depth >= max then
                answers[#answers + 1] = 0
              else
                if k > 0 then redis.call('SET', KEYS[k], ARGV[i + 1], 'EX', ARGV[2]) end
                pushed[#pushed + 1] = ARGV[i]
                depth = depth + 1
                answers[#answers + 1] = ARGV[i + 1]
              end
            end
            for i = 1, #pushed, 1000 do
              redis.call('LPUSH', KEYS[1], unpack(pushed, i, math.min(i + 999, #pushed)))
            end
            return answers
            """);

    private final RedisBatcher batcher;
    private final RedisKeys keys;
    private final ObjectMapper mapper;
    private final int partitions;
    private final String maxDepth;

    public QueueProducer(RedisBatcher batcher, RedisKeys keys, ObjectMapper mapper, int partitions, int maxDepth) {
        this.batcher = Objects.requireNonNull(batcher, "batcher");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.partitions = partitions;
        if (maxDepth < 1) {
            throw new IllegalArgumentException("maxDepth: " + maxDepth + " (expected: >= 1)");
        }
        this.maxDepth = Integer.toString(maxDepth);
    }

    /** {@inheritDoc} Acknowledged once Redis holds it. */
    @Override
    public void enqueue(QueueEnvelope envelope, BiConsumer<String, Throwable> done) {
        int partition = RedisKeys.partitionOf(envelope.room(), partitions);
        String json;
        try {
            json = mapper.writeValueAsString(envelope);
        } catch (Exception e) {
            done.accept(null, e);
            return;
        }
        String cmid = envelope.clientMsgId() == null
                ? null
                : keys.clientMsgId(partition, envelope.senderId(), envelope.clientMsgId());
        batcher.submit(new Push(new Partition(keys.queue(partition)), envelope, json, cmid, done));
    }

    /** The group of the pushes onto one partition. */
    private record Partition(String queue) {}

    /** One send's push; the pushes of a partition in one pipeline share a script call. */
    private final class Push implements RedisBatcher.Grouped {
        private final Partition partition;
        private final byte[] route;
        private final QueueEnvelope envelope;
        private final String json;
        private final String cmid; // null without a clientMsgId
        private final BiConsumer<String, Throwable> done;

        Push(
                Partition partition,
                QueueEnvelope envelope,
                String json,
                String cmid,
                BiConsumer<String, Throwable> done) {
            this.partition = partition;
            this.route = partition.queue().getBytes(StandardCharsets.UTF_8);
            this.envelope = envelope;
            this.json = json;
            this.cmid = cmid;
            this.done = done;
        }

        @Override
        public byte[] key() {
            return route;
        }

        @Override
        public boolean durable() {
            return true;
        }

        @Override
        public Object group() {
            return partition;
        }

        @Override
        public Response<?> queueGroup(Pipeline pipeline, List<RedisBatcher.Grouped> ops) {
            List<String> scriptKeys = new ArrayList<>(1 + ops.size());
            List<String> args = new ArrayList<>(2 + 3 * ops.size());
            scriptKeys.add(partition.queue());
            args.add(maxDepth);
            args.add(TTL);
            for (RedisBatcher.Grouped op : ops) {
                Push push = (Push) op;
                args.add(push.json);
                args.add(push.envelope.id());
                if (push.cmid == null) {
                    args.add("0");
                } else {
                    scriptKeys.add(push.cmid);
                    args.add(Integer.toString(scriptKeys.size()));
                }
            }
            Response<Object> pushed = PUSH.eval(pipeline, scriptKeys, args);
            if (batcher.waitsForReplicas()) {
                // A retry of a push that was not confirmed writes nothing, and WAIT only covers this connection's
                // writes: renewing the id's key is a write, replicated after the first push, so WAIT covers both.
                for (int k = 1; k < scriptKeys.size(); k++) {
                    pipeline.expire(scriptKeys.get(k), CLIENT_MSG_ID_TTL_SECONDS);
                }
            }
            return pushed;
        }

        @Override
        public LuaScript script() {
            return PUSH;
        }

        @Override
        public void complete(Object reply, Throwable failure) {
            if (failure != null) {
                done.accept(null, failure);
            } else if (reply instanceof byte[] bytes) {
                done.accept(new String(bytes, StandardCharsets.UTF_8), null);
            } else if (reply instanceof String id) {
                done.accept(id, null);
            } else {
                done.accept(
                        null,
                        new ApiException(
                                ErrorCode.UNAVAILABLE,
                                "queue partition of room " + envelope.room() + " is full (" + maxDepth
                                        + " messages waiting), try again"));
            }
        }
    }
}
