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

    public Optional<UserRecord> findByUsername(String username) throws SQLException {
        return find("username_key = ?", Validation.usernameKey(username));
    }

    /** A user by id with role, disabled flag and token epoch; empty when there is no such user. */
    public Optional<UserRecord> findById(long id) throws SQLException {
        return find("id = ?", id);
    }

    private Optional<UserRecord> find(String where, Object key) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT id, username, password_hash, role, disabled, token_epoch FROM users WHERE " + where)) {
            ps.setObject(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? Optional.of(new UserRecord(
                                rs.getLong(1),
                                rs.getString(2),
                                rs.getString(3),
                                io.parley.protocol.User.ADMIN.equals(rs.getString(4)),
                                rs.getBoolean(5),
                                rs.getInt(6)))
                        : Optional.empty();
            }
        }
    }
}
