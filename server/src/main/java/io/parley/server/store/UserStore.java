package io.parley.server.store;

import io.parley.infra.SqlTime;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.Validation;
import io.parley.server.ApiException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/** Users table: registration and lookup by case-insensitive username. */
public final class UserStore {
    private final DataSource dataSource;

    public UserStore(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /** Inserts a user; {@code username_taken} when the name exists ignoring case. */
    public UserRecord create(String username, String passwordHash) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO users (username, username_key, password_hash, created_at) VALUES (?, ?, ?, ?)",
                        Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, username);
            ps.setString(2, Validation.usernameKey(username));
            ps.setString(3, passwordHash);
            ps.setString(4, SqlTime.utc(Instant.now()));
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                keys.next();
                return new UserRecord(keys.getLong(1), username, passwordHash);
            }
        } catch (SQLIntegrityConstraintViolationException e) {
            throw new ApiException(ErrorCode.USERNAME_TAKEN, "username is taken: " + username);
        }
    }

    /** The username of a user id, empty when there is no such user (never registered, or deleted). */
    public Optional<String> usernameOf(long id) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT username FROM users WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    public Optional<UserRecord> findByUsername(String username) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT id, username, password_hash FROM users WHERE username_key = ?")) {
            ps.setString(1, Validation.usernameKey(username));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? Optional.of(new UserRecord(rs.getLong(1), rs.getString(2), rs.getString(3)))
                        : Optional.empty();
            }
        }
    }
}
