package io.parley.server.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.parley.protocol.ServerFrame;
import io.parley.server.Blocking;
import io.parley.server.store.UserRecord;
import io.parley.server.store.UserStore;
import io.parley.server.ws.ClosingHandshake;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
    private final Blocking blocking;

    public Evictions(LocalHub hub, ObjectMapper mapper, UserStore users, Blocking blocking) {
        this.hub = Objects.requireNonNull(hub, "hub");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.users = Objects.requireNonNull(users, "users");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
    }

    /**
     * Pub/sub came back: a disable published meanwhile never arrives, so every user connected here is looked up
     * once (one blocking thread, one query per user) and the connections of disabled ones are closed with 4003.
     */
    public void onResubscribed() {
        Map<Long, List<Connection>> byUser = new HashMap<>();
        for (Connection c : hub.connections()) {
            byUser.computeIfAbsent(c.principal().userId(), id -> new ArrayList<>())
                    .add(c);
        }
        blocking.call(() -> {
                    int closed = 0;
                    for (Map.Entry<Long, List<Connection>> user : byUser.entrySet()) {
                        Optional<UserRecord> account = users.findById(user.getKey());
                        for (Connection c : user.getValue()) {
                            if (account.isEmpty()
                                    || account.get().disabled()
                                    || account.get().tokenEpoch()
                                            != c.principal().tokenEpoch()) {
                                ClosingHandshake.close(c.channel(), ACCOUNT_DISABLED, "account disabled");
                                closed++;
                            }
                        }
                    }
                    return closed;
                })
                .whenComplete((closed, failure) -> {
                    if (failure != null) {
                        log.warn("Checking accounts after the pub/sub reconnect failed: {}", failure.toString());
                    } else if (closed > 0) {
                        log.info("Closed {} connections of accounts disabled while pub/sub was down", closed);
                    }
                });
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
