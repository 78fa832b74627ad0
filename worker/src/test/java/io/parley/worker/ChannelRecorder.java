package io.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/** Subscribes to Redis channels the way a server replica does and keeps every message, per channel, in order. */
final class ChannelRecorder implements AutoCloseable {
    private final Map<String, List<String>> messages = new ConcurrentHashMap<>();
    private final Map<String, Long> firstArrivalMs = new ConcurrentHashMap<>();
    private final CountDownLatch subscribed;
    private final Thread thread;
    private final JedisPubSub pubSub = new JedisPubSub() {
        @Override
        public void onMessage(String channel, String message) {
            firstArrivalMs.putIfAbsent(channel, System.currentTimeMillis());
            messages.computeIfAbsent(channel, c -> java.util.Collections.synchronizedList(new ArrayList<>()))
                    .add(message);
        }

        @Override
        public void onSubscribe(String channel, int subscribedChannels) {
            subscribed.countDown();
        }
    };

    ChannelRecorder(URI redis, List<String> channels) throws InterruptedException {
        subscribed = new CountDownLatch(channels.size());
        thread = new Thread(
                () -> {
                    try (Jedis jedis = new Jedis(redis)) {
                        jedis.subscribe(pubSub, channels.toArray(String[]::new));
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
