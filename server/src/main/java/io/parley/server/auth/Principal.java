package io.parley.server.auth;

import io.parley.protocol.User;
import java.time.Instant;

/** An authenticated user as a verified token describes them. */
public record Principal(long userId, String username, Instant expiresAt) {
    public String id() {
        return Long.toString(userId);
    }

    public User toUser() {
        return new User(id(), username);
    }
}
