package io.parley.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * A frame the server sends over the WebSocket. Every record names its wire {@code type}, which the codec writes
 * first, so a message frame always starts with {@code {"type":"message",}.
 */
@JsonPropertyOrder({"type", "ref"})
public sealed interface ServerFrame {
    @JsonProperty("type")
    String type();

    /** First frame of every connection: the user, their rooms with cursors, and the replica's name. */
    record Ready(User user, List<RoomCursor> rooms, String server) implements ServerFrame {
        @Override
        public String type() {
            return "ready";
        }
    }

    /** The user joined a room; sent with {@code ref} to the asking connection, without it to the user's others. */
    record Joined(String ref, Room room) implements ServerFrame {
        @Override
        public String type() {
            return "joined";
        }
    }

    /** The user left a room; {@code by} names the moderator when they were removed, banned or the room deleted. */
    record Left(String ref, String room, String by) implements ServerFrame {
        public Left(String ref, String room) {
            this(ref, room, null);
        }

        @Override
        public String type() {
            return "left";
        }
    }

    /** A send was durably queued; {@code id} is the message's id. */
    record Ack(String ref, String room, String id, String clientMsgId) implements ServerFrame {
        @Override
        public String type() {
            return "ack";
        }
    }

    /**
     * A stored entry of a room's log; also the element type of history pages. {@code kind} is null for a plain message
     * (absent on the wire means {@code "message"}), else {@code "edit"} or {@code "delete"} with the {@code target}
     * id; a message read back carries {@code editedAt} after an edit and {@code deleted: true} after a delete.
     */
    @JsonPropertyOrder({
        "type",
        "id",
        "room",
        "seq",
        "sender",
        "body",
        "clientMsgId",
        "createdAt",
        "kind",
        "target",
        "editedAt",
        "deleted"
    })
    record Message(
            String id,
            String room,
            long seq,
            String sender,
            String body,
            String clientMsgId,
            String createdAt,
            String kind,
            String target,
            String editedAt,
            Boolean deleted)
            implements ServerFrame {
        public static final String KIND_MESSAGE = "message";

        /** A plain message as version 1 knows it. */
        public Message(
                String id, String room, long seq, String sender, String body, String clientMsgId, String createdAt) {
            this(id, room, seq, sender, body, clientMsgId, createdAt, null, null, null, null);
        }

        @Override
        public String type() {
            return "message";
        }
    }

    /** A page of stored messages, ascending by seq. */
    record History(String ref, String room, List<Message> messages, boolean hasMore) implements ServerFrame {
        @Override
        public String type() {
            return "history";
        }
    }

    /** Another member joined, left, was removed or banned ({@code by} names the moderator of the last two). */
    record Member(String room, String user, String action, String by) implements ServerFrame {
        public static final String JOINED = "joined";
        public static final String LEFT = "left";
        public static final String REMOVED = "removed";
        public static final String BANNED = "banned";

        public Member(String room, String user, String action) {
            this(room, user, action, null);
        }

        @Override
        public String type() {
            return "member";
        }
    }

    /** Another member is typing. */
    record Typing(String room, String user) implements ServerFrame {
        @Override
        public String type() {
            return "typing";
        }
    }

    /** Reply to a presence request: the room's members online now. */
    record PresenceList(String ref, String room, List<String> online) implements ServerFrame {
        @Override
        public String type() {
            return "presence";
        }
    }

    /** A member came online (first connection anywhere) or went offline (last one gone). */
    record PresenceChange(String room, String user, boolean online) implements ServerFrame {
        @Override
        public String type() {
            return "presence";
        }
    }

    /** Reply to ping. */
    record Pong(String ref) implements ServerFrame {
        @Override
        public String type() {
            return "pong";
        }
    }

    /** An error; {@code retryAfterMs} only with {@code rate_limited}. */
    record Error(String ref, ErrorCode code, String message, Long retryAfterMs) implements ServerFrame {
        public Error(String ref, ErrorCode code, String message) {
            this(ref, code, message, null);
        }

        @Override
        public String type() {
            return "error";
        }
    }
}
