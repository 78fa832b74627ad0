package io.parley.protocol;

import com.fasterxml.jackson.annotation.JsonValue;

/** Error codes of PROTOCOL.md, each with the HTTP status the REST transport answers with. */
public enum ErrorCode {
    BAD_REQUEST(400),
    UNKNOWN_TYPE(400),
    INVALID_USERNAME(400),
    INVALID_PASSWORD(400),
    USERNAME_TAKEN(409),
    INVALID_CREDENTIALS(401),
    UNAUTHORIZED(401),
    INVALID_ROOM_NAME(400),
    NO_SUCH_ROOM(404),
    ROOM_EXISTS(409),
    FORBIDDEN_ORIGIN(403),
    NOT_MEMBER(403),
    BODY_TOO_LONG(400),
    EMPTY_BODY(400),
    RATE_LIMITED(429),
    TOO_LARGE(413),
    NOT_FOUND(404),
    /** The user already holds as many connections on this replica as allowed. */
    TOO_MANY_CONNECTIONS(429),
    /** The user is already a member of as many rooms as allowed. */
    TOO_MANY_ROOMS(403),
    METHOD_NOT_ALLOWED(405),
    /** The caller may not do this (version 1.1). */
    FORBIDDEN(403),
    /** The account is disabled by an admin (version 1.1). */
    ACCOUNT_DISABLED(403),
    /** No such message in that room, or it is deleted (version 1.1). */
    NO_SUCH_MESSAGE(404),
    /** The caller is banned from that room (version 1.1). */
    BANNED(403),
    UNAVAILABLE(503),
    INTERNAL(500);

    private final int httpStatus;
    private final String wireName;

    ErrorCode(int httpStatus) {
        this.httpStatus = httpStatus;
        this.wireName = name().toLowerCase(java.util.Locale.ROOT);
    }

    public int httpStatus() {
        return httpStatus;
    }

    @JsonValue
    public String wireName() {
        return wireName;
    }
}
