package io.parley.load.users;

import java.util.Objects;

/** A user the load tester acts as: the server's id and username, and a bearer token. */
public record LoadUser(String id, String username, String token) {
    public LoadUser {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(token, "token");
    }

    public LoadUser withToken(String newToken) {
        return new LoadUser(id, username, newToken);
    }

    @Override
    public String toString() {
        return "LoadUser[id=" + id + ", username=" + username + ", token=****]";
    }
}
