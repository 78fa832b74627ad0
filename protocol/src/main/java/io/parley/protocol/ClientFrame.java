package io.parley.protocol;

/** A frame a client sends over the WebSocket; {@code ref} is the client's correlation string, or null. */
public sealed interface ClientFrame {
    String ref();

    /** Becomes a member of a room, creating it when missing. */
    record Join(String ref, String room) implements ClientFrame {}

    /** Stops being a member of a room. */
    record Leave(String ref, String room) implements ClientFrame {}

    /** Posts a message; {@code clientMsgId} makes retries idempotent. */
    record Send(String ref, String room, String body, String clientMsgId) implements ClientFrame {}

    /** Replaces the body of one of the user's messages, as a new {@code edit} entry of the room's log. */
    record Edit(String ref, String room, String id, String body, String clientMsgId) implements ClientFrame {}

    /** Removes a message's text, as a new {@code delete} entry of the room's log. */
    record Delete(String ref, String room, String id, String clientMsgId) implements ClientFrame {}

    /** Asks for a page of stored messages. */
    record History(String ref, String room, HistoryQuery query) implements ClientFrame {}

    /** Signals that the user is typing in a room; never stored. */
    record Typing(String ref, String room) implements ClientFrame {}

    /** Asks who in a room is online. */
    record Presence(String ref, String room) implements ClientFrame {}

    /** Application-level keepalive. */
    record Ping(String ref) implements ClientFrame {}
}
