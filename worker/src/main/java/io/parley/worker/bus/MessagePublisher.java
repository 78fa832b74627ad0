package io.parley.worker.bus;

import static java.util.Objects.requireNonNull;

import io.parley.protocol.FrameCodec;
import io.parley.protocol.RedisKeys;
import io.parley.protocol.ServerFrame;
import io.parley.protocol.Timestamps;
import io.parley.worker.store.StoredMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.Pipeline;

/**
 * Publishes stored messages on their rooms' channels, each already encoded as the exact {@code message} frame
 * clients receive, so every server replica writes the bytes as they are. One pipeline per batch.
 */
public final class MessagePublisher {
    private final JedisPool pool;
    private final RedisKeys keys;
    private final FrameCodec codec;

    public MessagePublisher(JedisPool pool, RedisKeys keys, FrameCodec codec) {
        this.pool = requireNonNull(pool, "pool");
        this.keys = requireNonNull(keys, "keys");
        this.codec = requireNonNull(codec, "codec");
    }

    /** Publishes {@code messages} in the given order, which must be seq order within each room. */
    public void publish(List<StoredMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        try (Jedis jedis = pool.getResource()) {
            Pipeline pipeline = jedis.pipelined();
            for (StoredMessage m : messages) {
                byte[] frame = codec.encode(new ServerFrame.Message(m.id(), m.room(), m.seq(), m.sender(), m.body(),
                        m.clientMsgId(), Timestamps.formatMillis(m.acceptedAt())));
                pipeline.publish(keys.roomChannel(m.room()).getBytes(StandardCharsets.UTF_8), frame);
            }
            pipeline.sync();
        }
    }
}
