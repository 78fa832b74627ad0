package io.parley.server.store;

/** A stored user, password hash included; never leaves the server. */
public record UserRecord(
        long id, String username, String passwordHash, boolean admin, boolean disabled, int tokenEpoch) {
    public UserRecord(long id, String username, String passwordHash) {
        this(id, username, passwordHash, false, false, 0);
    }
}
