package io.parley.server.moderation;

import io.parley.protocol.FrameCodec;
import io.parley.protocol.RedisKeys;
import io.parley.protocol.ServerFrame;
import io.parley.server.auth.UserDirectory;
import io.parley.server.bus.Publisher;
import io.parley.server.chat.ModerationEvent;
import java.util.Objects;

/**
 * Tells every replica about a moderation step once it is committed: through the moderation channel (the affected
 * connections, see {@code Evictions}), the room channel (the other members) and {@link UserDirectory#changed}
 * (cached accounts). Each replica acts within the pub/sub latency, well inside the 5 s the protocol allows.
 */
public final class Announcer {
    private final Publisher events;
    private final RedisKeys keys;
    private final FrameCodec codec;
    private final UserDirectory directory;

    public Announcer(Publisher events, RedisKeys keys, FrameCodec codec, UserDirectory directory) {
        this.events = Objects.requireNonNull(events, "events");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.directory = Objects.requireNonNull(directory, "directory");
    }

    /** A member was removed or banned: their connections leave the room, the others see who did it. */
    public void removed(String room, Moderation.Removal removal, String by, boolean banned) {
        if (!removal.wasMember()) {
            return;
        }
        events.publish(keys.moderation(), codec.write(ModerationEvent.removed(room, removal.userId(), by)));
        events.publish(
                keys.roomChannel(room),
                codec.encode(new ServerFrame.Member(
                        room,
                        removal.username(),
                        banned ? ServerFrame.Member.BANNED : ServerFrame.Member.REMOVED,
                        by)));
    }

    /** A room was deleted: every connection in it leaves it. */
    public void roomDeleted(String room, String by) {
        events.publish(keys.moderation(), codec.write(ModerationEvent.roomDeleted(room, by)));
    }

    /** An account was disabled: its cached state is dropped everywhere and its connections closed. */
    public void disabled(long userId) {
        directory.changed(userId);
        events.publish(keys.moderation(), codec.write(ModerationEvent.disabled(userId)));
    }

    /** An account was enabled, granted or revoked: every replica reads it from the database again. */
    public void changed(long userId) {
        directory.changed(userId);
    }
}
