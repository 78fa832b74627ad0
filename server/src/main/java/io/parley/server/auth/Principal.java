package io.parley.server.auth;

import io.parley.protocol.User;
import java.time.Instant;

/**
 * An authenticated user: what a verified token claims, and after {@link UserDirectory} what the database says now
 * ({@code admin} from the database, never from the token).
 *
 * @param tokenEpoch the account's token epoch the token was issued under (0 for tokens without one)
 */
public record Principal(long userId, String username, Instant expiresAt, boolean admin, int tokenEpoch) {
    public Principal(long userId, String username, Instant expiresAt) {
        this(userId, username, expiresAt, false, 0);
    }

    public String id() {
        return Long.toString(userId);
    }

    public User toUser() {
        return new User(id(), username, admin ? User.ADMIN : null);
    }
}
