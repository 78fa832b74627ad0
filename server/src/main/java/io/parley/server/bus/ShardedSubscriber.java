package io.parley.server.bus;

import io.parley.infra.Backoff;
import io.parley.infra.RedisClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.BinaryJedisShardedPubSub;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Sharded pub/sub on a Redis Cluster: one {@code SSUBSCRIBE} connection per master that owns a wanted channel, one
 * {@code SSUBSCRIBE} per slot (a command may only name channels of one slot). When any of them fails or the cluster
 * moves one of its channels (a failover, a resharding: Redis answers {@code SUNSUBSCRIBE}), all are dropped, the slot
 * map is read again and every wanted channel subscribed on its current owner; once every one is confirmed the
 * listener hears {@code onResubscribed} and catches the rooms up from the database.
 */
public final class ShardedSubscriber implements Subscriber {
    private static final Logger log = LoggerFactory.getLogger(ShardedSubscriber.class);

    private final RedisClient redis;
    private final Set<String> wanted = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    private final Object dispatch = new Object(); // one listener call at a time, as from one pub/sub thread
    private final Thread supervisor;
    private volatile Listener listener;
    private volatile boolean running = true;
    private final Map<HostAndPort, Shard> shards = new HashMap<>(); // guarded by lock
    private final Set<String> unconfirmed = new HashSet<>(); // guarded by lock: this round's channels not yet live
    private boolean broken; // guarded by lock
    private boolean routing; // guarded by lock: subscribe() goes straight to the owner's shard
    private boolean told; // guarded by lock: this round is live (and the listener was told if it was a comeback)
    private boolean everLive; // guarded by lock
    // Guarded by lock. In a round after a loss, what arrives on the shards that are live already is held back until
    // every shard is and the listener has started its catch-up: fanned out before it, a newer seq would make the
    // catch-up start after the messages that the lost connection missed.
    private boolean holding;
    private final List<Held> held = new ArrayList<>();

    private record Held(String channel, byte[] message) {}

    /** Messages held back in a round at most; beyond, the catch-up of the next resubscription has them. */
    private static final int MAX_HELD = 100_000;

    public ShardedSubscriber(RedisClient redis) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.supervisor = new Thread(this::supervise, "parley-redis-subscriber");
        this.supervisor.setDaemon(true);
    }

    @Override
    public void start(Listener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        supervisor.start();
    }

    @Override
    public void subscribe(String channel) {
        if (wanted.add(channel)) {
            synchronized (lock) {
                if (!broken && routing) {
                    shardFor(channel).add(channel);
                }
            }
        }
    }

    @Override
    public void unsubscribe(String channel) {
        if (wanted.remove(channel)) {
            boolean tell;
            synchronized (lock) {
                for (Shard shard : shards.values()) {
                    shard.remove(channel);
                }
                tell = unconfirmed.remove(channel) && confirm();
            }
            if (tell) {
                tellResubscribed();
            }
        }
    }

    private void supervise() {
        Backoff backoff = new Backoff(100, 2_000);
        boolean firstFailure = true;
        while (running) {
            boolean tell;
            synchronized (lock) {
                broken = false;
                told = false;
                holding = everLive;
                held.clear();
                unconfirmed.clear();
                unconfirmed.addAll(wanted);
                Map<HostAndPort, List<String>> byNode = new LinkedHashMap<>();
                for (String channel : unconfirmed) {
                    byNode.computeIfAbsent(redis.nodeOf(bytes(channel)), n -> new ArrayList<>())
                            .add(channel);
                }
                byNode.forEach((node, channels) -> {
                    Shard shard = new Shard(node);
                    shards.put(node, shard);
                    channels.forEach(shard::add);
                    shard.start();
                });
                routing = true; // channels wanted from here on are routed as they come
                tell = confirm();
            }
            if (tell) {
                tellResubscribed();
            }
            synchronized (lock) {
                while (running && !broken) {
                    try {
                        lock.wait(1_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        running = false;
                    }
                    checkOwners();
                }
                routing = false;
                if (told) {
                    backoff.reset();
                    firstFailure = true;
                }
                shards.values().forEach(Shard::stop);
                shards.clear();
            }
            if (!running) {
                break;
            }
            if (firstFailure) {
                log.warn("Redis Cluster subscription lost, subscribing again on the current owners");
                firstFailure = false;
            }
            sleep(backoff.nextDelayMs());
            redis.refreshTopology();
        }
    }

    // Guarded by lock. A node that vanished without closing its sockets (a partition, a dead host) never ends a
    // subscription; the slot map, refreshed every second, shows its slots served elsewhere.
    private void checkOwners() {
        for (Shard shard : shards.values()) {
            for (String channel : shard.channels) {
                if (!Objects.equals(shard.node, redis.nodeOf(bytes(channel)))) {
                    fail(shard, channel + " is served by another node now");
                    return;
                }
            }
        }
    }

    // Guarded by lock.
    private Shard shardFor(String channel) {
        HostAndPort node = redis.nodeOf(bytes(channel));
        Shard shard = shards.get(node);
        if (shard == null || shard.done) {
            shard = new Shard(node);
            shards.put(node, shard);
            shard.start();
        }
        return shard;
    }

    // Guarded by lock.
    private void fail(Shard shard, String why) {
        if (!broken && shards.get(shard.node) == shard) {
            log.info("Sharded subscription on {} ended ({}); resubscribing", shard.node, why);
            broken = true;
            lock.notifyAll();
        }
    }

    // Guarded by lock: whether this round just became live after an earlier one was, so the listener must hear it.
    private boolean confirm() {
        if (told || broken || !unconfirmed.isEmpty()) {
            return false;
        }
        told = true;
        boolean comeback = everLive;
        everLive = true;
        return comeback;
    }

    // Not under lock: the listener may subscribe from within (lock order is dispatch, then lock).
    private void tellResubscribed() {
        synchronized (dispatch) {
            try {
                listener.onResubscribed();
            } catch (RuntimeException e) {
                log.error("Listener failed after a resubscribe", e);
            }
            List<Held> release;
            synchronized (lock) {
                release = List.copyOf(held);
                held.clear();
                holding = false;
            }
            release.forEach(h -> deliver(h.channel(), h.message()));
        }
    }

    private void deliver(String channel, byte[] message) {
        try {
            listener.onMessage(channel, message);
        } catch (RuntimeException e) {
            log.error("Listener failed on a pub/sub message", e);
        }
    }

    /** One node's connection and its subscriptions; all state guarded by the subscriber's lock. */
    private final class Shard {
        final HostAndPort node;
        final Set<String> channels = new HashSet<>();
        final List<String> toSend = new ArrayList<>();
        final PubSub pubsub = new PubSub(this);
        final Thread thread;
        Connection connection;
        boolean live;
        volatile boolean done;

        Shard(HostAndPort node) {
            this.node = node;
            // node is null while no node serves the slot (mid-failover): connecting fails and the round starts over.
            this.thread = new Thread(this::run, "parley-redis-ssubscriber-" + (node == null ? "none" : node.getPort()));
            this.thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void add(String channel) {
            if (channels.add(channel)) {
                if (live) {
                    send(() -> pubsub.ssubscribe(bytes(channel)));
                } else {
                    toSend.add(channel);
                }
            }
        }

        void remove(String channel) {
            if (channels.remove(channel) && live) {
                send(() -> pubsub.sunsubscribe(bytes(channel)));
            } else {
                toSend.remove(channel);
            }
        }

        /**
         * A failing connection makes a (un)subscription throw; {@code wanted} already holds the change and the restart
         * after this shard's connection ends subscribes exactly that, so the caller must not fail for it.
         */
        private void send(Runnable command) {
            try {
                command.run();
            } catch (JedisException e) {
                log.debug("Subscription change not sent, the restart applies it: {}", e.toString());
            }
        }

        void run() {
            String why = "closed";
            try {
                // Connected outside the lock: a node that does not answer must not hold up subscribe() callers.
                Connection c = new Connection(node, redis.pubSubConfig());
                byte[][] first;
                synchronized (lock) {
                    connection = c;
                    if (done) {
                        c.close();
                        return;
                    }
                    first = firstSlot();
                }
                pubsub.proceed(c, first);
            } catch (RuntimeException e) {
                why = e.toString();
            } finally {
                synchronized (lock) {
                    done = true;
                    live = false;
                    // Ended with channels still wanted: the node died, or the cluster moved them elsewhere.
                    if (running && !channels.isEmpty()) {
                        fail(this, why);
                    } else if (shards.get(node) == this) {
                        shards.remove(node);
                    }
                }
            }
        }

        // The channels of one slot from toSend (at least one channel: SSUBSCRIBE needs one).
        private byte[][] firstSlot() {
            if (toSend.isEmpty()) {
                throw new IllegalStateException("nothing to subscribe");
            }
            int slot = JedisClusterCRC16.getSlot(toSend.get(0));
            List<byte[]> first = new ArrayList<>();
            toSend.removeIf(c -> {
                if (JedisClusterCRC16.getSlot(c) == slot) {
                    first.add(bytes(c));
                    return true;
                }
                return false;
            });
            return first.toArray(byte[][]::new);
        }

        // Guarded by lock: the rest of toSend, one SSUBSCRIBE per slot.
        void sendPending() {
            Map<Integer, List<byte[]>> bySlot = new HashMap<>();
            for (String c : toSend) {
                bySlot.computeIfAbsent(JedisClusterCRC16.getSlot(c), s -> new ArrayList<>())
                        .add(bytes(c));
            }
            toSend.clear();
            bySlot.values().forEach(cs -> pubsub.ssubscribe(cs.toArray(byte[][]::new)));
        }

        void stop() {
            done = true;
            channels.clear();
            if (connection != null) {
                connection.disconnect();
            }
        }
    }

    private final class PubSub extends BinaryJedisShardedPubSub {
        private final Shard shard;

        PubSub(Shard shard) {
            this.shard = shard;
        }

        @Override
        public void onSSubscribe(byte[] channel, int subscribedChannels) {
            boolean tell;
            synchronized (lock) {
                if (!shard.live) {
                    shard.live = true;
                    shard.sendPending();
                }
                tell = unconfirmed.remove(string(channel)) && confirm();
            }
            if (tell) {
                tellResubscribed();
            }
        }

        @Override
        public void onSUnsubscribe(byte[] channel, int subscribedChannels) {
            synchronized (lock) {
                // Not asked for by us: the cluster moved the channel's slot to another node.
                if (shard.channels.contains(string(channel))) {
                    fail(shard, "the cluster unsubscribed " + string(channel));
                }
            }
        }

        @Override
        public void onSMessage(byte[] channel, byte[] message) {
            synchronized (lock) {
                if (holding) {
                    if (held.size() < MAX_HELD) {
                        held.add(new Held(string(channel), message));
                    } else if (!broken) {
                        fail(shard, "more than " + MAX_HELD + " messages held back");
                    }
                    return;
                }
            }
            synchronized (dispatch) {
                deliver(string(channel), message);
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
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
            shards.values().forEach(Shard::stop);
            lock.notifyAll();
        }
        try {
            supervisor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
