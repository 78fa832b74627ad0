package io.parley.server.chat;

/**
 * An event on the moderation channel that every replica acts on for its own connections: {@link #REMOVED} (a member
 * removed or banned from {@code room}), {@link #ROOM_DELETED}, {@link #DISABLED} (close the user's connections).
 */
public record ModerationEvent(String kind, String room, String userId, String by) {
    public static final String REMOVED = "removed";
    public static final String ROOM_DELETED = "room-deleted";
    public static final String DISABLED = "disabled";

    public static ModerationEvent removed(String room, long userId, String by) {
        return new ModerationEvent(REMOVED, room, Long.toString(userId), by);
    }

    public static ModerationEvent roomDeleted(String room, String by) {
        return new ModerationEvent(ROOM_DELETED, room, null, by);
    }

    public static ModerationEvent disabled(long userId) {
        return new ModerationEvent(DISABLED, null, Long.toString(userId), null);
    }
}
