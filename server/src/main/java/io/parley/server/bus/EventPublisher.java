package io.parley.server.bus;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.Response;

/**
 * Publishes encoded frames and events on Redis channels, best effort and without blocking the caller; on a Redis
 * Cluster on shard channels ({@code SPUBLISH}), so that a message crosses only the shard that owns its channel.
 */
public final class EventPublisher implements Publisher {
    private static final Logger log = LoggerFactory.getLogger(EventPublisher.class);

    private final RedisBatcher batcher;
    private final boolean sharded;
    private final AtomicLong lastWarning = new AtomicLong();

    public EventPublisher(RedisBatcher batcher, boolean sharded) {
        this.batcher = Objects.requireNonNull(batcher, "batcher");
        this.sharded = sharded;
    }

    @Override
    public void publish(String channel, byte[] payload) {
        byte[] channelBytes = channel.getBytes(StandardCharsets.UTF_8);
        batcher.submit(new RedisBatcher.Op() {
            @Override
            public byte[] key() {
                return channelBytes;
            }

            @Override
            public Response<?> queue(Pipeline pipeline) {
                return sharded
                        ? pipeline.sendCommand(Protocol.Command.SPUBLISH, channelBytes, payload)
                        : pipeline.publish(channelBytes, payload);
            }

            @Override
            public void complete(Object reply, Throwable failure) {
                long now = System.currentTimeMillis();
                long last = lastWarning.get();
                // Typing and presence events are ephemeral: losing some in an outage is fine, logging each is not.
                if (failure != null && now - last > 10_000 && lastWarning.compareAndSet(last, now)) {
                    log.warn("Publishing events failed: {}", failure.toString());
                }
            }
        });
    }
}
