package io.parley.server.bus;

import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In-process pub/sub for standalone mode: publishers (event loops, the worker) never block; one thread hands every
 * message to the listener in publication order, as the Redis subscriber's thread does. The listener (the hub) ignores
 * channels nobody here listens to, so subscriptions need no bookkeeping. Bounded: past the bound, events are dropped
 * as in a Redis outage, and clients fetch missed messages with {@code history}.
 */
public final class LocalBus implements Publisher, Subscriber {
    private static final Logger log = LoggerFactory.getLogger(LocalBus.class);

    private record Published(String channel, byte[] payload) {}

    private final ArrayBlockingQueue<Published> queue;
    private final Thread thread;
    private final AtomicLong lastWarning = new AtomicLong();
    private volatile Listener listener;
    private volatile boolean running = true;

    public LocalBus(int capacity) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.thread = Thread.ofPlatform().name("parley-local-bus").daemon().unstarted(this::run);
    }

    @Override
    public void publish(String channel, byte[] payload) {
        if (!queue.offer(new Published(channel, payload))) {
            long now = System.currentTimeMillis();
            long last = lastWarning.get();
            if (now - last > 10_000 && lastWarning.compareAndSet(last, now)) {
                log.warn("In-process pub/sub is {} messages behind; dropping some", queue.size());
            }
        }
    }

    @Override
    public void start(Listener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        thread.start();
    }

    @Override
    public void subscribe(String channel) {
        // Every channel is delivered; see the class comment.
    }

    @Override
    public void unsubscribe(String channel) {
        // Every channel is delivered; see the class comment.
    }

    /** Messages published and not yet handed to the listener. */
    public int pending() {
        return queue.size();
    }

    private void run() {
        while (running || !queue.isEmpty()) {
            Published p;
            try {
                p = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (p == null) {
                continue;
            }
            try {
                listener.onMessage(p.channel(), p.payload());
            } catch (RuntimeException e) {
                log.error("Listener failed on a pub/sub message", e);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
