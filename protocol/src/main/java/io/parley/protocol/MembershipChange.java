package io.parley.protocol;

/**
 * Published on a user's channel when that user joins or leaves a room, so every replica holding one of the user's
 * connections re-subscribes them; {@code origin} names the connection that asked, which already got its reply.
 */
public record MembershipChange(String origin, boolean joined, Room room) {}
