package io.parley.protocol;

/** A user as the wire shows it: decimal-string id and the username as registered. */
public record User(String id, String username) {}
