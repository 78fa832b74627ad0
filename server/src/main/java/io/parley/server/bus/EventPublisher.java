package io.parley.server.bus;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/** Publishes encoded frames and events on Redis channels, best effort and without blocking the caller. */
public final class EventPublisher implements Publisher {
    private static final Logger log = LoggerFactory.getLogger(EventPublisher.class);

    private final RedisBatcher batcher;
    private final AtomicLong lastWarning = new AtomicLong();

    public EventPublisher(RedisBatcher batcher) {
        this.batcher = Objects.requireNonNull(batcher, "batcher");
    }

    @Override
    public void publish(String channel, byte[] payload) {
        byte[] channelBytes = channel.getBytes(StandardCharsets.UTF_8);
        batcher.submit(new RedisBatcher.Op() {
            @Override
            public Response<?> queue(Pipeline pipeline) {
                return pipeline.publish(channelBytes, payload);
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
