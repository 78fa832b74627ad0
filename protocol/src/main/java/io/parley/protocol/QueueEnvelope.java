package io.parley.protocol;

/**
 * What a server pushes onto the Redis work queue for one accepted {@code send}: everything the worker needs to
 * store and publish the message without another lookup. {@code acceptedAt} is epoch milliseconds.
 */
public record QueueEnvelope(
        String id, String room, String senderId, String sender, String body, String clientMsgId, long acceptedAt) {}
