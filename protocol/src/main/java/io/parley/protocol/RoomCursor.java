package io.parley.protocol;

/** A member room in the {@code ready} frame: its name and the seq of its newest stored message. */
public record RoomCursor(String name, long lastSeq) {}
