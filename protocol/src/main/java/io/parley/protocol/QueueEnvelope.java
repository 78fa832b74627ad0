package io.parley.protocol;

/**
 * What a server pushes onto the Redis work queue for one accepted {@code send}, {@code edit} or {@code delete}:
 * everything the worker needs to store and publish the log entry without another lookup. {@code acceptedAt} is epoch
 * milliseconds; {@code kind} is null for a plain message (as queued by version 1 servers) and {@code target} is the id
 * of the message an edit or delete changes.
 */
public record QueueEnvelope(
        String id,
        String room,
        String senderId,
        String sender,
        String body,
        String clientMsgId,
        long acceptedAt,
        String kind,
        String target) {
    public static final String EDIT = "edit";
    public static final String DELETE = "delete";

    /** A plain message. */
    public QueueEnvelope(
            String id, String room, String senderId, String sender, String body, String clientMsgId, long acceptedAt) {
        this(id, room, senderId, sender, body, clientMsgId, acceptedAt, null, null);
    }

    /** True for an edit or delete entry. */
    public boolean changesTarget() {
        return kind != null;
    }
}
