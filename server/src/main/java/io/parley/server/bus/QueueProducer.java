package io.parley.server.bus;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.parley.infra.LuaScript;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.QueueEnvelope;
import io.parley.protocol.RedisKeys;
import io.parley.server.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * Pushes accepted messages onto their room's queue partition, while it holds fewer than its bound of envelopes (past
 * it, while the workers cannot store, say in a database outage, sends are refused rather than filling Redis's memory).
 * A send with a {@code clientMsgId} goes through a script that records the id it was acknowledged with and pushes
 * only the first time, atomically, so a retry is acknowledged again with the original id and never queued twice.
 */
public final class QueueProducer implements MessageQueue {
    private static final int CLIENT_MSG_ID_TTL_SECONDS = 24 * 3600; // how long a clientMsgId is remembered
    private static final String TTL = Integer.toString(CLIENT_MSG_ID_TTL_SECONDS);
    /**
     * Run by its SHA-1: sent as text only after Redis lost its script cache. KEYS[1] the partition, KEYS[2] (only for
     * a send with a clientMsgId) its dedupe key; ARGV: envelope, max depth, id, dedupe TTL. Answers nil when the
     * partition is full, the first id of a retried clientMsgId, else the new length.
     */
    private static final LuaScript PUSH = new LuaScript(
            """
            if KEYS[2] then
              local existing = redis.call('GET', KEYS[2])
              if existing then return existing end
            end
            if redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[2]) then return false end
            if KEYS[2] then redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[4]) end
            local length = redis.call('LPUSH', KEYS[1], ARGV[1])
            if KEYS[2] then return ARGV[3] end
            return length
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
        String queue = keys.queue(partition);
        byte[] route = queue.getBytes(StandardCharsets.UTF_8);
        String json;
        try {
            json = mapper.writeValueAsString(envelope);
        } catch (Exception e) {
            done.accept(null, e);
            return;
        }
        batcher.submit(new RedisBatcher.Op() {
            @Override
            public byte[] key() {
                return route;
            }

            @Override
            public boolean durable() {
                return true;
            }

            @Override
            public Response<?> queue(Pipeline pipeline) {
                if (envelope.clientMsgId() == null) {
                    return PUSH.eval(pipeline, List.of(queue), List.of(json, maxDepth));
                }
                String cmid = keys.clientMsgId(partition, envelope.senderId(), envelope.clientMsgId());
                Response<Object> pushed =
                        PUSH.eval(pipeline, List.of(queue, cmid), List.of(json, maxDepth, envelope.id(), TTL));
                if (batcher.waitsForReplicas()) {
                    // A retry of a push that was not confirmed writes nothing, and WAIT only covers this connection's
                    // writes: renewing the id's key is a write, replicated after the first push, so WAIT covers both.
                    pipeline.expire(cmid, CLIENT_MSG_ID_TTL_SECONDS);
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
                } else if (reply == null) {
                    done.accept(
                            null,
                            new ApiException(
                                    ErrorCode.UNAVAILABLE,
                                    "queue partition of room " + envelope.room() + " is full (" + maxDepth
                                            + " messages waiting), try again"));
                } else if (reply instanceof byte[] bytes) {
                    done.accept(new String(bytes, StandardCharsets.UTF_8), null);
                } else if (reply instanceof String id) {
                    done.accept(id, null);
                } else {
                    done.accept(envelope.id(), null);
                }
            }
        });
    }
}
