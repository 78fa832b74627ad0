package io.parley.worker.store;

import static java.util.Objects.requireNonNull;

/** A message as stored, with the seq it got in its room; {@code acceptedAt} (epoch ms) is its {@code createdAt}. */
public record StoredMessage(
        String id, String room, long seq, String sender, String body, String clientMsgId, long acceptedAt) {
    public StoredMessage {
        requireNonNull(id, "id");
        requireNonNull(room, "room");
        requireNonNull(sender, "sender");
        requireNonNull(body, "body");
        if (seq < 1) {
            throw new IllegalArgumentException("seq: " + seq + " (expected: >= 1)");
        }
    }
}
