package io.parley.worker.store;

import static java.util.Objects.requireNonNull;

/**
 * A log entry as stored, with the seq it got in its room; {@code acceptedAt} (epoch ms) is its {@code createdAt}.
 * {@code kind} and {@code target} are null for a plain message, else the edit or delete and the message it changes.
 */
public record StoredMessage(
        String id,
        String room,
        long seq,
        String sender,
        String body,
        String clientMsgId,
        long acceptedAt,
        String kind,
        String target) {
    public StoredMessage {
        requireNonNull(id, "id");
        requireNonNull(room, "room");
        requireNonNull(sender, "sender");
        requireNonNull(body, "body");
        if (seq < 1) {
            throw new IllegalArgumentException("seq: " + seq + " (expected: >= 1)");
        }
    }

    /** A plain message. */
    public StoredMessage(
            String id, String room, long seq, String sender, String body, String clientMsgId, long acceptedAt) {
        this(id, room, seq, sender, body, clientMsgId, acceptedAt, null, null);
    }
}
