package io.parley.protocol;

/** A user as the wire shows it: decimal-string id, the username as registered, and {@code "admin"} for admins. */
public record User(String id, String username, String role) {
    public static final String ADMIN = "admin";

    /** A user without a role (a version 1 user, or anyone who is not an admin). */
    public User(String id, String username) {
        this(id, username, null);
    }
}
