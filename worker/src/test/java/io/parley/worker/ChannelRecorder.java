package io.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.protocol.FrameBatch;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.Jedis;

/**
 * Subscribes to Redis channels the way a server replica does and keeps every message, per channel, in order (a
 * {@link FrameBatch} counts as its frames), and every publish as the list of frames it carried.
 */
final class ChannelRecorder implements AutoCloseable {
    private final Map<String, List<String>> messages = new ConcurrentHashMap<>();
    private final Map<String, List<List<String>>> publishes = new ConcurrentHashMap<>();
    private final Map<String, Long> firstArrivalMs = new ConcurrentHashMap<>();
    private final CountDownLatch subscribed;
    private final Thread thread;
    private final BinaryJedisPubSub pubSub = new BinaryJedisPubSub() {
        @Override
        public void onMessage(byte[] channelBytes, byte[] payload) {
            String channel = new String(channelBytes, StandardCharsets.UTF_8);
            firstArrivalMs.putIfAbsent(channel, System.currentTimeMillis());
            List<String> frames = FrameBatch.frames(payload).stream()
                    .map(f -> new String(f, StandardCharsets.UTF_8))
                    .toList();
            // Publishes first: a test that waits for messages then finds the publish that carried them.
            publishes
                    .computeIfAbsent(channel, c -> java.util.Collections.synchronizedList(new ArrayList<>()))
                    .add(frames);
            messages.computeIfAbsent(channel, c -> java.util.Collections.synchronizedList(new ArrayList<>()))
                    .addAll(frames);
        }

        @Override
        public void onSubscribe(byte[] channel, int subscribedChannels) {
            subscribed.countDown();
        }
    };

    ChannelRecorder(URI redis, List<String> channels) throws InterruptedException {
        subscribed = new CountDownLatch(channels.size());
        thread = new Thread(
                () -> {
                    try (Jedis jedis = new Jedis(redis)) {
                        jedis.subscribe(
                                pubSub,
                                channels.stream()
                                        .map(c -> c.getBytes(StandardCharsets.UTF_8))
                                        .toArray(byte[][]::new));
                    }
                },
                "test-subscriber");
        thread.start();
        assertThat(subscribed.await(10, TimeUnit.SECONDS))
                .as("subscribed to %s", channels)
                .isTrue();
    }

    List<String> messages(String channel) {
        List<String> list = messages.get(channel);
        if (list == null) {
            return List.of();
        }
        synchronized (list) {
            return List.copyOf(list);
        }
    }

    /** Each publish on {@code channel}, in order, as the frames it carried. */
    List<List<String>> publishes(String channel) {
        List<List<String>> list = publishes.get(channel);
        if (list == null) {
            return List.of();
        }
        synchronized (list) {
            return List.copyOf(list);
        }
    }

    int total() {
        return messages.keySet().stream().mapToInt(c -> messages(c).size()).sum();
    }

    Long firstArrivalMs(String channel) {
        return firstArrivalMs.get(channel);
    }

    @Override
    public void close() throws InterruptedException {
        pubSub.unsubscribe();
        thread.join(5_000);
    }
}
