package io.parley.server.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.parley.protocol.ServerFrame;
import io.parley.server.ws.ClosingHandshake;
import java.io.IOException;
import java.util.Objects;
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

    public Evictions(LocalHub hub, ObjectMapper mapper) {
        this.hub = Objects.requireNonNull(hub, "hub");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
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
