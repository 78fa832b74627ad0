package io.parley.server.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.parley.protocol.Room;
import io.parley.protocol.ServerFrame;
import io.parley.server.Blocking;
import io.parley.server.store.RoomStore;
import io.parley.server.store.UserRecord;
import io.parley.server.store.UserStore;
import io.parley.server.ws.ClosingHandshake;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@link ModerationEvent}s from any replica to this replica's connections: a removed member stops listening
 * to the room and gets {@code left} with {@code by}; a deleted room does the same for everyone in it; a disabled
 * user's connections close with {@link #ACCOUNT_DISABLED}. Events are rare, so scanning every connection is fine.
 */
public final class Evictions {
    /** WebSocket close code for a disabled account (PROTOCOL.md 1.1). */
    public static final int ACCOUNT_DISABLED = 4003;

    private static final Logger log = LoggerFactory.getLogger(Evictions.class);

    private final LocalHub hub;
    private final ObjectMapper mapper;
    private final UserStore users;
    private final RoomStore rooms;
    private final Blocking blocking;

    public Evictions(LocalHub hub, ObjectMapper mapper, UserStore users, RoomStore rooms, Blocking blocking) {
        this.hub = Objects.requireNonNull(hub, "hub");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.users = Objects.requireNonNull(users, "users");
        this.rooms = Objects.requireNonNull(rooms, "rooms");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
    }

    /**
     * Pub/sub came back: moderation events published meanwhile never arrive. Every user connected here is looked up
     * once (one blocking thread, two queries per user): connections of disabled accounts close with 4003, and rooms
     * a connection listens to that the user is no longer a member of (removed, banned, deleted) are left. Each
     * connection's rooms are taken on its own loop before the database is read, so a room joined meanwhile stays.
     */
    public void onResubscribed() {
        Map<Long, List<Connection>> byUser = new HashMap<>();
        Map<Connection, CompletableFuture<Set<String>>> listened = new HashMap<>();
        for (Connection c : hub.connections()) {
            byUser.computeIfAbsent(c.principal().userId(), id -> new ArrayList<>())
                    .add(c);
            CompletableFuture<Set<String>> snapshot = new CompletableFuture<>();
            c.execute(() -> snapshot.complete(Set.copyOf(c.rooms())));
            listened.put(c, snapshot);
        }
        blocking.call(() -> {
                    int changed = 0;
                    for (Map.Entry<Long, List<Connection>> user : byUser.entrySet()) {
                        changed += recheck(user.getKey(), user.getValue(), listened);
                    }
                    return changed;
                })
                .whenComplete((changed, failure) -> {
                    if (failure != null) {
                        log.warn("Checking accounts after the pub/sub reconnect failed: {}", failure.toString());
                    } else if (changed > 0) {
                        log.info("After the pub/sub reconnect: {} connections closed or taken out of rooms", changed);
                    }
                });
    }

    private int recheck(
            long userId, List<Connection> connections, Map<Connection, CompletableFuture<Set<String>>> listened)
            throws Exception {
        Optional<UserRecord> account = users.findById(userId);
        int changed = 0;
        Set<String> member = null;
        for (Connection c : connections) {
            if (account.isEmpty()
                    || account.get().disabled()
                    || account.get().tokenEpoch() != c.principal().tokenEpoch()) {
                ClosingHandshake.close(c.channel(), ACCOUNT_DISABLED, "account disabled");
                changed++;
                continue;
            }
            Set<String> before;
            try {
                before = listened.get(c).get(5, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                continue; // its loop is gone with it
            }
            if (member == null) {
                member = new HashSet<>();
                for (Room r : rooms.roomsOf(userId)) {
                    member.add(r.name());
                }
            }
            Set<String> gone = new HashSet<>(before);
            gone.removeAll(member);
            if (!gone.isEmpty()) {
                c.execute(() -> gone.forEach(room -> leave(c, room, null, false)));
                changed++;
            }
        }
        return changed;
    }

    /** Called on the subscriber's thread; each connection's part runs on its own event loop. */
    public void onEvent(byte[] payload) {
        ModerationEvent event;
        try {
            event = mapper.readValue(payload, ModerationEvent.class);
        } catch (IOException e) {
            log.warn("Undecodable moderation event ({} bytes)", payload.length);
            return;
        }
        for (Connection c : hub.connections()) {
            switch (event.kind()) {
                case ModerationEvent.REMOVED -> {
                    if (c.principal().id().equals(event.userId())) {
                        c.execute(() -> leave(c, event.room(), event.by(), true));
                    }
                }
                case ModerationEvent.ROOM_DELETED -> c.execute(() -> leave(c, event.room(), event.by(), false));
                case ModerationEvent.DISABLED -> {
                    if (c.principal().id().equals(event.userId())) {
                        ClosingHandshake.close(c.channel(), ACCOUNT_DISABLED, "account disabled");
                    }
                }
                default -> log.debug("Ignoring moderation event of kind {}", event.kind());
            }
        }
    }

    /** Stops the connection listening to the room; tells it so when it was there (or always, for its own user). */
    private void leave(Connection c, String room, String by, boolean always) {
        if (!c.isOpen()) {
            return;
        }
        boolean listened = c.rooms().remove(room);
        if (listened) {
            hub.unlisten(c, room);
        }
        if (listened || always) {
            c.send(new ServerFrame.Left(null, room, by));
        }
    }
}
