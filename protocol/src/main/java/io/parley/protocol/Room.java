package io.parley.protocol;

/** A room as the wire shows it; {@code createdAt} is ISO-8601 UTC with milliseconds. */
public record Room(String name, String createdBy, String createdAt, long lastSeq) {}
