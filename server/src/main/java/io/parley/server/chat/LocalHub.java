package io.parley.server.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.parley.protocol.FrameBatch;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.MembershipChange;
import io.parley.protocol.RedisKeys;
import io.parley.protocol.ServerFrame;
import io.parley.server.Blocking;
import io.parley.server.bus.Subscriber;
import io.parley.server.metrics.Metrics;
import io.parley.server.store.MessageStore;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's registry of who is connected and which rooms they listen to, kept in step with the Redis channel
 * subscriptions, and the fan-out of everything that arrives on those channels: encode once, write many. After the
 * pub/sub connection comes back it fans out from the database what each room missed meanwhile.
 */
public final class LocalHub implements Subscriber.Listener {
    private static final Logger log = LoggerFactory.getLogger(LocalHub.class);
    /** Messages read per query while catching a room up, and at most per room: its newest (clients fill the rest). */
    private static final int CATCH_UP_PAGE = 500;

    private static final int MAX_CATCH_UP = 10_000;
    /**
     * A room that had no message here since listening started catches up from this long before that: a message
     * accepted earlier may be stored later. Extra ones cost nothing, clients drop seqs they have.
     */
    private static final long CATCH_UP_MARGIN_MS = 30_000;

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
    private final Map<String, RoomFeed> feeds = new ConcurrentHashMap<>();
    private final AtomicLong catchUps = new AtomicLong();
    private final MessageStore messages;
    private final Blocking blocking;

    public LocalHub(
            Subscriber subscriber,
            RedisKeys keys,
            FrameCodec codec,
            Metrics metrics,
            MessageStore messages,
            Blocking blocking) {
        this.subscriber = Objects.requireNonNull(subscriber, "subscriber");
        this.messages = Objects.requireNonNull(messages, "messages");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.mapper = codec.mapper();
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.roomPrefix = keys.roomChannel("");
        this.userPrefix = keys.userChannel("");
    }

    // ---------------------------------------------------------------- registry (called on the connection's loop)

    /**
     * The one copy of a room's name that connections keep in their room sets. Names arrive as fresh strings per
     * connection (database rows, client frames); a replica holding thousands of idle connections of the same rooms
     * would otherwise keep one copy per connection and room. The JVM's string table drops a name nobody holds.
     */
    static String roomName(String room) {
        return room.intern();
    }

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
                feeds.put(r, new RoomFeed(System.currentTimeMillis()));
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
                feeds.remove(r);
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

    /** The last seq of {@code room} fanned out here, or -1 when this replica does not listen to it or saw none. */
    public long lastSeqFannedOut(String room) {
        RoomFeed feed = feeds.get(room);
        if (feed == null) {
            return -1;
        }
        synchronized (feed) {
            return feed.lastSeq();
        }
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
        if (FrameBatch.isBatch(payload)) {
            // Several of the room's frames published at once by a worker (newer workers), in order.
            List<byte[]> frames;
            try {
                frames = FrameBatch.frames(payload);
            } catch (IllegalArgumentException e) {
                log.warn("Dropping a malformed frame batch on room {}: {}", room, e.getMessage());
                return;
            }
            for (byte[] frame : frames) {
                fanOutFrame(room, members, frame);
            }
            return;
        }
        fanOutFrame(room, members, payload);
    }

    private void fanOutFrame(String room, Set<Connection> members, byte[] payload) {
        if (!FrameCodec.isMessageFrame(payload)) {
            dispatch(members, payload, 0, actorOf(payload));
            return;
        }
        RoomFeed feed = feeds.get(room);
        if (feed == null) {
            return;
        }
        // Under the feed's lock, so that a catch-up running on another thread cannot interleave out of seq order.
        synchronized (feed) {
            if (feed.offer(payload)) {
                dispatch(members, payload, FrameCodec.messageIdOf(payload), null);
            }
        }
    }

    private void dispatch(Set<Connection> members, byte[] payload, long messageId, String excludedUser) {
        // One encoded frame for everybody; each event loop gets its share in one batch.
        Map<EventLoop, List<Connection>> byLoop = new HashMap<>(4);
        for (Connection c : members) {
            if (excludedUser == null || !excludedUser.equals(c.principal().username())) {
                byLoop.computeIfAbsent(c.channel().eventLoop(), l -> new ArrayList<>())
                        .add(c);
            }
        }
        ByteBuf shared = WireFrames.text(ByteBufAllocator.DEFAULT, payload);
        byLoop.forEach((loop, targets) -> fanOutQueues
                .computeIfAbsent(loop, l -> new FanOutQueue(l, metrics))
                .add(shared.retain(), messageId, targets));
        shared.release();
    }

    // ---------------------------------------------------------------- catch-up after a pub/sub reconnect

    /**
     * Whatever was published while the pub/sub connection was down never arrives: every listened room holds its
     * live messages back, reads what it missed from the database (after the last seq fanned out here, or since it
     * started listening), fans that out, then the held ones. Clients never wait for a room's next message to notice.
     */
    @Override
    public void onResubscribed() {
        long generation = catchUps.incrementAndGet();
        List<Map.Entry<String, RoomFeed>> rooms = new ArrayList<>(feeds.entrySet());
        for (Map.Entry<String, RoomFeed> room : rooms) {
            synchronized (room.getValue()) {
                room.getValue().startCatchUp(generation);
            }
        }
        log.info("Pub/sub is back: catching {} rooms up from the database", rooms.size());
        // One pass on one blocking thread, however many rooms: the rest of the pool keeps serving requests.
        blocking.call(() -> {
                    catchUp(generation, rooms);
                    return null;
                })
                .exceptionally(e -> {
                    log.warn("Catch-up after the pub/sub reconnect failed: {}", e.toString());
                    rooms.forEach(room -> finishCatchUp(generation, room.getKey(), room.getValue(), List.of()));
                    return null;
                });
    }

    private void catchUp(long generation, List<Map.Entry<String, RoomFeed>> rooms) throws InterruptedException {
        long delivered = 0;
        int failed = 0;
        for (Map.Entry<String, RoomFeed> room : rooms) {
            if (catchUps.get() != generation) {
                return; // a newer reconnect started its own pass over every room
            }
            List<ServerFrame.Message> missed = List.of();
            try {
                missed = missed(room.getKey(), room.getValue());
            } catch (SQLException | RuntimeException e) {
                // Clients see the gap at the room's next message and fill it with history.
                failed++;
                log.debug("Catch-up of room {} failed: {}", room.getKey(), e.toString());
            }
            delivered += finishCatchUp(generation, room.getKey(), room.getValue(), missed);
        }
        log.info("Caught {} rooms up: {} missed messages fanned out, {} rooms failed", rooms.size(), delivered, failed);
    }

    private List<ServerFrame.Message> missed(String room, RoomFeed feed) throws SQLException, InterruptedException {
        long after;
        long sinceMs;
        synchronized (feed) {
            after = feed.lastSeq();
            sinceMs = after < 0 ? feed.listeningSinceMs() - CATCH_UP_MARGIN_MS : 0;
        }
        List<ServerFrame.Message> missed = new ArrayList<>();
        for (int attempt = 1; ; attempt++) {
            try {
                while (missed.size() < MAX_CATCH_UP) {
                    long from = missed.isEmpty()
                            ? Math.max(after, 0)
                            : missed.getLast().seq();
                    List<ServerFrame.Message> page = messages.after(room, from, sinceMs, MAX_CATCH_UP, CATCH_UP_PAGE);
                    missed.addAll(page);
                    if (page.size() < CATCH_UP_PAGE) {
                        break;
                    }
                }
                return missed;
            } catch (SQLException e) {
                if (attempt == 3) {
                    throw e;
                }
                Thread.sleep(500L * attempt);
            }
        }
    }

    private int finishCatchUp(long generation, String room, RoomFeed feed, List<ServerFrame.Message> missed) {
        int delivered = 0;
        synchronized (feed) {
            if (feed.catchUpGeneration() != generation) {
                return 0;
            }
            Set<Connection> members = byRoom.getOrDefault(room, Set.of());
            for (ServerFrame.Message m : missed) {
                if (feed.advance(m.seq())) {
                    dispatch(members, codec.encode(m), Long.parseLong(m.id()), null);
                    delivered++;
                }
            }
            for (byte[] held : feed.endCatchUp()) {
                if (feed.advance(RoomFeed.seqOf(held))) {
                    dispatch(members, held, FrameCodec.messageIdOf(held), null);
                }
            }
            int dropped = feed.takeDropped();
            if (dropped > 0) {
                metrics.fanOutDropped(dropped);
            }
        }
        return delivered;
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
                if (change.joined() && c.rooms().add(roomName(room))) {
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
