package io.parley.server.moderation;

import io.parley.infra.SqlTime;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.Room;
import io.parley.protocol.Timestamps;
import io.parley.protocol.User;
import io.parley.server.ApiException;
import io.parley.server.store.RoomGate;
import io.parley.server.store.RoomStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/** What admins do to accounts and rooms in the database: list users, disable, enable, grant, revoke, delete rooms. */
public final class Accounts {
    private final DataSource dataSource;

    public Accounts(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /** A user as the admin API shows it. */
    public record AdminUser(String id, String username, String role, boolean disabled, String createdAt) {}

    /** One page of users by username, and whether more follow. */
    public record Page(List<AdminUser> users, boolean hasMore) {}

    /** Users whose lower-cased name starts with {@code prefix}, after the exclusive cursor {@code after}. */
    public Page users(String prefix, String after, int limit) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT id, username, role, disabled, created_at FROM users"
                        + " WHERE username_key LIKE ? ESCAPE '!' AND username_key > ? ORDER BY username_key LIMIT ?")) {
            ps.setString(1, likePrefix(prefix));
            ps.setString(2, after);
            ps.setInt(3, limit + 1);
            try (ResultSet rs = ps.executeQuery()) {
                List<AdminUser> users = new ArrayList<>();
                while (rs.next()) {
                    users.add(new AdminUser(
                            Long.toString(rs.getLong(1)),
                            rs.getString(2),
                            User.ADMIN.equals(rs.getString(3)) ? User.ADMIN : null,
                            rs.getBoolean(4),
                            Timestamps.format(SqlTime.instant(rs.getObject(5, LocalDateTime.class)))));
                }
                boolean hasMore = users.size() > limit;
                return new Page(hasMore ? users.subList(0, limit) : users, hasMore);
            }
        }
    }

    /** One page of rooms by name, and whether more follow. */
    public record RoomPage(List<Room> rooms, boolean hasMore) {}

    /** Every room, private ones included, by name after the exclusive cursor {@code after}: for admins only. */
    public RoomPage rooms(String after, int limit) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT " + RoomStore.roomColumns() + " WHERE r.name > ? ORDER BY r.name LIMIT ?")) {
            ps.setString(1, after);
            ps.setInt(2, limit + 1);
            try (ResultSet rs = ps.executeQuery()) {
                List<Room> rooms = new ArrayList<>();
                while (rs.next()) {
                    rooms.add(RoomStore.room(rs));
                }
                boolean hasMore = rooms.size() > limit;
                return new RoomPage(hasMore ? rooms.subList(0, limit) : rooms, hasMore);
            }
        }
    }

    /**
     * Disables or enables an account; a disable also raises its token epoch, so every token issued before stays
     * refused after a later enable. Returns the user's id; {@code not_found} for an unknown user.
     */
    public long setDisabled(String username, boolean disabled) throws SQLException {
        return Transactions.run(dataSource, c -> {
            Moderation.Account target = Moderation.accountNamed(c, username);
            try (PreparedStatement ps = c.prepareStatement(
                    disabled
                            ? "UPDATE users SET disabled = TRUE, token_epoch = token_epoch + 1 WHERE id = ?"
                            : "UPDATE users SET disabled = FALSE WHERE id = ?")) {
                ps.setLong(1, target.id());
                ps.executeUpdate();
            }
            return target.id();
        });
    }

    /** Makes the user an admin or not; returns their id; {@code not_found} for an unknown user. */
    public long setAdmin(String username, boolean admin) throws SQLException {
        return Transactions.run(dataSource, c -> {
            Moderation.Account target = Moderation.accountNamed(c, username);
            try (PreparedStatement ps = c.prepareStatement("UPDATE users SET role = ? WHERE id = ?")) {
                ps.setString(1, admin ? User.ADMIN : null);
                ps.setLong(2, target.id());
                ps.executeUpdate();
            }
            return target.id();
        });
    }

    /** Every admin, by username. */
    public List<AdminUser> admins() throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT id, username, disabled, created_at FROM users"
                        + " WHERE role = ? ORDER BY username_key")) {
            ps.setString(1, User.ADMIN);
            try (ResultSet rs = ps.executeQuery()) {
                List<AdminUser> admins = new ArrayList<>();
                while (rs.next()) {
                    admins.add(new AdminUser(
                            Long.toString(rs.getLong(1)),
                            rs.getString(2),
                            User.ADMIN,
                            rs.getBoolean(3),
                            Timestamps.format(SqlTime.instant(rs.getObject(4, LocalDateTime.class)))));
                }
                return admins;
            }
        }
    }

    /** Whether the user is an admin as stored now: every admin endpoint asks, whatever the token says. */
    public void requireAdmin(long userId) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            if (!Moderation.account(c, userId).admin()) {
                throw new ApiException(ErrorCode.FORBIDDEN, "admins only");
            }
        }
    }

    /**
     * Deletes a room with its messages, memberships, invites and bans, in one transaction under the room's lock (so
     * a worker's batch either stored into it before, or finds it gone and drops its messages).
     */
    public void deleteRoom(String room, long callerId) throws SQLException {
        Transactions.run(dataSource, c -> {
            RoomGate.Locked gate = RoomGate.lock(c, room, callerId);
            for (String table : List.of("messages", "memberships", "invites", "bans")) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE room_id = ?")) {
                    ps.setLong(1, gate.roomId());
                    ps.executeUpdate();
                }
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM rooms WHERE id = ?")) {
                ps.setLong(1, gate.roomId());
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** Messages stored in the last minute, by id: ids begin with their time, so this is a primary-key range. */
    public long storedSince(long minId) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM messages WHERE id >= ?")) {
            ps.setLong(1, minId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static String likePrefix(String prefix) {
        String key = prefix.toLowerCase(java.util.Locale.ROOT);
        return key.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%";
    }
}
