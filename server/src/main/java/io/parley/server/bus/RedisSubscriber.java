package io.parley.server.bus;

import io.parley.infra.Backoff;
import io.parley.infra.RedisSettings;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Owns one Redis pub/sub connection on its own thread and keeps it subscribed to exactly the channels that local
 * connections need, resubscribing after a reconnect. The listener must hand work off quickly: it runs on this thread.
 */
public final class RedisSubscriber implements Subscriber {
    private static final Logger log = LoggerFactory.getLogger(RedisSubscriber.class);

    private final RedisSettings settings;
    private final String controlChannel;
    private volatile Listener listener;
    private final Set<String> wanted = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean connected;
    private boolean everSubscribed; // subscriber thread only
    private Pubsub current; // guarded by lock
    private Jedis jedis; // guarded by lock

    public RedisSubscriber(RedisSettings settings, String controlChannel) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.controlChannel = Objects.requireNonNull(controlChannel, "controlChannel");
        this.thread = new Thread(this::run, "parley-redis-subscriber");
        this.thread.setDaemon(true);
    }

    @Override
    public void start(Listener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        thread.start();
    }

    @Override
    public void subscribe(String channel) {
        if (wanted.add(channel)) {
            synchronized (lock) {
                if (current != null && current.isSubscribed()) {
                    send(() -> current.subscribe(bytes(channel)));
                }
            }
        }
    }

    @Override
    public void unsubscribe(String channel) {
        if (wanted.remove(channel)) {
            synchronized (lock) {
                if (current != null && current.isSubscribed()) {
                    send(() -> current.unsubscribe(bytes(channel)));
                }
            }
        }
    }

    /**
     * Sends a (un)subscription on the live connection. A connection that is failing makes it throw; {@link #wanted}
     * already holds the change and the reconnect subscribes exactly that, so the caller (a connection closing, say)
     * must not fail for it.
     */
    private static void send(Runnable command) {
        try {
            command.run();
        } catch (JedisException e) {
            log.debug("Subscription change not sent, the reconnect applies it: {}", e.toString());
        }
    }

    private void run() {
        Backoff backoff = new Backoff(100, 2_000);
        boolean firstFailure = true;
        while (running) {
            Pubsub pubsub = new Pubsub();
            try (Jedis j = new Jedis(settings.uri(), 2_000, 0)) {
                Set<String> initial;
                synchronized (lock) {
                    current = pubsub;
                    jedis = j;
                    initial = new HashSet<>(wanted);
                }
                pubsub.initial = initial;
                List<byte[]> channels = new ArrayList<>();
                channels.add(bytes(controlChannel));
                initial.forEach(c -> channels.add(bytes(c)));
                j.subscribe(pubsub, channels.toArray(byte[][]::new));
            } catch (RuntimeException e) {
                if (running && (connected || firstFailure)) {
                    log.warn("Redis subscription lost, reconnecting: {}", e.toString());
                }
            } finally {
                connected = false;
                synchronized (lock) {
                    current = null;
                    jedis = null;
                }
            }
            if (!running) {
                break;
            }
            sleep(backoff.nextDelayMs());
            firstFailure = false;
            if (pubsub.reachedSubscribed) {
                backoff.reset();
                firstFailure = true;
            }
        }
    }

    private final class Pubsub extends BinaryJedisPubSub {
        Set<String> initial = Set.of();
        volatile boolean reachedSubscribed;

        @Override
        public void onSubscribe(byte[] channel, int subscribedChannels) {
            if (!reachedSubscribed && controlChannel.equals(new String(channel, StandardCharsets.UTF_8))) {
                reachedSubscribed = true;
                connected = true;
                // Channels wanted between the snapshot and now were not sent yet: send them.
                synchronized (lock) {
                    for (String c : wanted) {
                        if (!initial.contains(c)) {
                            subscribe(bytes(c));
                        }
                    }
                }
                // The control channel was the first of one SUBSCRIBE, so every channel of the snapshot is live now.
                if (everSubscribed) {
                    try {
                        listener.onResubscribed();
                    } catch (RuntimeException e) {
                        log.error("Listener failed after a resubscribe", e);
                    }
                }
                everSubscribed = true;
            }
        }

        @Override
        public void onMessage(byte[] channel, byte[] message) {
            try {
                listener.onMessage(new String(channel, StandardCharsets.UTF_8), message);
            } catch (RuntimeException e) {
                log.error("Listener failed on a pub/sub message", e);
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        synchronized (lock) {
            if (current != null && current.isSubscribed()) {
                current.unsubscribe();
            } else if (jedis != null) {
                jedis.disconnect();
            }
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
