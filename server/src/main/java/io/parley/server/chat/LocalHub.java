package io.parley.server.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.MembershipChange;
import io.parley.protocol.RedisKeys;
import io.parley.protocol.ServerFrame;
import io.parley.server.bus.Subscriber;
import io.parley.server.metrics.Metrics;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's registry of who is connected and which rooms they listen to, kept in step with the Redis channel
 * subscriptions, and the fan-out of everything that arrives on those channels: encode once, write many.
 */
public final class LocalHub implements Subscriber.Listener {
    private static final Logger log = LoggerFactory.getLogger(LocalHub.class);

    private final Subscriber subscriber;
    private final RedisKeys keys;
    private final FrameCodec codec;
    private final ObjectMapper mapper;
    private final Metrics metrics;
    private final String roomPrefix;
    private final String userPrefix;
    private final Map<String, Set<Connection>> byRoom = new ConcurrentHashMap<>();
    private final Map<String, Set<Connection>> byUser = new ConcurrentHashMap<>();
    private final Map<EventLoop, FanOutQueue> fanOutQueues = new ConcurrentHashMap<>();

    public LocalHub(Subscriber subscriber, RedisKeys keys, FrameCodec codec, Metrics metrics) {
        this.subscriber = Objects.requireNonNull(subscriber, "subscriber");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.mapper = codec.mapper();
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.roomPrefix = keys.roomChannel("");
        this.userPrefix = keys.userChannel("");
    }

    // ---------------------------------------------------------------- registry (called on the connection's loop)

    /** Registers an opened connection with its rooms; true when it is the user's first connection here. */
    boolean register(Connection c) {
        boolean[] first = {false};
        byUser.compute(c.principal().id(), (user, set) -> {
            if (set == null) {
                set = ConcurrentHashMap.newKeySet();
                first[0] = true;
                subscriber.subscribe(keys.userChannel(user));
            }
            set.add(c);
            return set;
        });
        c.rooms().forEach(room -> listen(c, room));
        return first[0];
    }

    /** Forgets a closed connection; true when it was the user's last connection here. */
    boolean unregister(Connection c) {
        c.rooms().forEach(room -> unlisten(c, room));
        boolean[] last = {false};
        byUser.computeIfPresent(c.principal().id(), (user, set) -> {
            set.remove(c);
            if (set.isEmpty()) {
                last[0] = true;
                subscriber.unsubscribe(keys.userChannel(user));
                return null;
            }
            return set;
        });
        return last[0];
    }

    void listen(Connection c, String room) {
        byRoom.compute(room, (r, set) -> {
            if (set == null) {
                set = ConcurrentHashMap.newKeySet();
                subscriber.subscribe(keys.roomChannel(r));
            }
            set.add(c);
            return set;
        });
    }

    void unlisten(Connection c, String room) {
        byRoom.computeIfPresent(room, (r, set) -> {
            set.remove(c);
            if (set.isEmpty()) {
                subscriber.unsubscribe(keys.roomChannel(r));
                return null;
            }
            return set;
        });
    }

    public int connectionCount() {
        return byUser.values().stream().mapToInt(Set::size).sum();
    }

    public int userCount() {
        return byUser.size();
    }

    /** Every open connection, for shutdown. */
    public List<Connection> connections() {
        List<Connection> all = new ArrayList<>();
        byUser.values().forEach(all::addAll);
        return all;
    }

    // ---------------------------------------------------------------- fan-out (called on the subscriber thread)

    @Override
    public void onMessage(String channel, byte[] payload) {
        if (channel.startsWith(roomPrefix)) {
            fanOut(channel.substring(roomPrefix.length()), payload);
        } else if (channel.startsWith(userPrefix)) {
            applyMembershipChange(channel.substring(userPrefix.length()), payload);
        }
    }

    private void fanOut(String room, byte[] payload) {
        Set<Connection> members = byRoom.get(room);
        if (members == null || members.isEmpty()) {
            return;
        }
        long messageId = 0;
        String excludedUser = null;
        if (FrameCodec.isMessageFrame(payload)) {
            messageId = FrameCodec.messageIdOf(payload);
        } else {
            excludedUser = actorOf(payload);
        }
        // One encoded frame for everybody; each event loop gets its share in one batch.
        Map<EventLoop, List<Connection>> byLoop = new HashMap<>(4);
        for (Connection c : members) {
            if (excludedUser == null || !excludedUser.equals(c.principal().username())) {
                byLoop.computeIfAbsent(c.channel().eventLoop(), l -> new ArrayList<>()).add(c);
            }
        }
        ByteBuf shared = WireFrames.text(ByteBufAllocator.DEFAULT, payload);
        long id = messageId;
        byLoop.forEach((loop, targets) -> fanOutQueues.computeIfAbsent(loop, l -> new FanOutQueue(l, metrics))
                .add(shared.retain(), id, targets));
        shared.release();
    }

    /** The user whose own connections must not get this event (typing, member changes, presence). */
    private String actorOf(byte[] payload) {
        try {
            return switch (codec.decodeServer(payload)) {
                case ServerFrame.Typing t -> t.user();
                case ServerFrame.Member m -> m.user();
                case ServerFrame.PresenceChange p -> p.user();
                case null, default -> null;
            };
        } catch (IOException e) {
            log.warn("Undecodable event on a room channel ({} bytes)", payload.length);
            return null;
        }
    }

    private void applyMembershipChange(String userId, byte[] payload) {
        Set<Connection> connections = byUser.get(userId);
        if (connections == null) {
            return;
        }
        MembershipChange change;
        try {
            change = mapper.readValue(payload, MembershipChange.class);
        } catch (IOException e) {
            log.warn("Undecodable membership change ({} bytes)", payload.length);
            return;
        }
        String room = change.room().name();
        for (Connection c : connections) {
            if (c.id().equals(change.origin())) {
                continue;
            }
            c.execute(() -> {
                if (!c.isOpen()) {
                    return;
                }
                if (change.joined() && c.rooms().add(room)) {
                    listen(c, room);
                    c.send(new ServerFrame.Joined(null, change.room()));
                } else if (!change.joined() && c.rooms().remove(room)) {
                    unlisten(c, room);
                    c.send(new ServerFrame.Left(null, room));
                }
            });
        }
    }
}
