package io.parley.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * A room as the wire shows it; {@code createdAt} is ISO-8601 UTC with milliseconds; {@code private} is true for
 * private rooms and absent otherwise; {@code owner} is the creator's username.
 */
@JsonPropertyOrder({"name", "createdBy", "createdAt", "lastSeq", "private", "owner"})
public record Room(
        String name,
        String createdBy,
        String createdAt,
        long lastSeq,
        @JsonProperty("private") Boolean isPrivate,
        String owner) {

    /** A public room as version 1 describes it. */
    public Room(String name, String createdBy, String createdAt, long lastSeq) {
        this(name, createdBy, createdAt, lastSeq, null, null);
    }

    /** Whether only members and invited users may see and join it. */
    public boolean privateRoom() {
        return Boolean.TRUE.equals(isPrivate);
    }
}
