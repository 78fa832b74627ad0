package io.parley.server.moderation;

import io.parley.infra.SqlTime;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.Room;
import io.parley.protocol.Timestamps;
import io.parley.protocol.User;
import io.parley.protocol.Validation;
import io.parley.server.ApiException;
import io.parley.server.store.RoomGate;
import io.parley.server.store.RoomStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Invites, removals and bans in the database, each authorised from the database state inside its own transaction:
 * the caller's membership, the room's owner, and the caller's admin role as stored now (never a token's claim).
 */
public final class Moderation {
    private final DataSource dataSource;

    public Moderation(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /** An invite as the wire shows it. */
    public record Invite(String room, String username, String by) {}

    /** A ban as the wire shows it. */
    public record Ban(String username, String by, String createdAt) {}

    /** A member taken out of a room: who, and whether they were a member (else there is nobody to tell). */
    public record Removal(long userId, String username, boolean wasMember) {}

    /** A user as stored: id and spelling, and whether they are an admin now. */
    record Account(long id, String username, boolean admin) {}

    /** Any member invites {@code username}; the invite shows in their {@code GET /api/me} until they join. */
    public Invite invite(String room, long callerId, String username) throws SQLException {
        return inTransaction(c -> {
            Account caller = account(c, callerId);
            RoomGate.Locked gate = RoomGate.lock(c, room, callerId);
            if (!gate.member()) {
                throw outsider(room, gate, caller);
            }
            Account target = accountNamed(c, username);
            insertOnce(c, "invites", "invited_by", gate.roomId(), target.id(), callerId, true);
            return new Invite(room, target.username(), caller.username());
        });
    }

    /** The rooms the user is invited to and not (yet) a member of, by name. */
    public List<Room> invitesOf(long userId) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT " + RoomStore.roomColumns()
                        + " JOIN invites i ON i.room_id = r.id WHERE i.user_id = ? AND NOT EXISTS (SELECT 1 FROM"
                        + " memberships m WHERE m.room_id = r.id AND m.user_id = i.user_id) ORDER BY r.name")) {
            ps.setLong(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                List<Room> rooms = new ArrayList<>();
                while (rs.next()) {
                    rooms.add(RoomStore.room(rs));
                }
                return rooms;
            }
        }
    }

    /**
     * The owner or an admin removes {@code username} from the room, and with {@code ban} keeps them out. The owner
     * cannot be removed or banned ({@code forbidden}); removing a non-member is {@code not_member}.
     */
    public Removal remove(String room, long callerId, String username, boolean ban) throws SQLException {
        return inTransaction(c -> {
            RoomGate.Locked gate = requireModerator(c, room, callerId);
            Account target = accountNamed(c, username);
            if (target.id() == gate.ownerId()) {
                throw new ApiException(ErrorCode.FORBIDDEN, "the room's owner cannot be removed or banned");
            }
            boolean wasMember = deleteRow(c, "memberships", gate.roomId(), target.id());
            if (ban) {
                deleteRow(c, "invites", gate.roomId(), target.id());
                insertOnce(c, "bans", "banned_by", gate.roomId(), target.id(), callerId, false);
            } else if (!wasMember) {
                throw new ApiException(ErrorCode.NOT_MEMBER, username + " is not a member of room " + room);
            }
            return new Removal(target.id(), target.username(), wasMember);
        });
    }

    /** The ban of {@code username} as stored, for the 201 answer. */
    public Ban ban(String room, String username) throws SQLException {
        return bans(room).stream()
                .filter(b -> Validation.usernameKey(b.username()).equals(Validation.usernameKey(username)))
                .findFirst()
                .orElseThrow(() -> new ApiException(ErrorCode.NOT_FOUND, "no ban of " + username));
    }

    /** Lifts a ban; {@code not_found} when there is none. */
    public void unban(String room, long callerId, String username) throws SQLException {
        inTransaction(c -> {
            RoomGate.Locked gate = requireModerator(c, room, callerId);
            Account target = accountNamed(c, username);
            if (!deleteRow(c, "bans", gate.roomId(), target.id())) {
                throw new ApiException(ErrorCode.NOT_FOUND, username + " is not banned from room " + room);
            }
            return null;
        });
    }

    /** The room's bans, for its owner and admins. */
    public List<Ban> bans(String room, long callerId) throws SQLException {
        inTransaction(c -> requireModerator(c, room, callerId));
        return bans(room);
    }

    private List<Ban> bans(String room) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT u.username, b2.username, b.created_at FROM bans b"
                        + " JOIN rooms r ON r.id = b.room_id JOIN users u ON u.id = b.user_id"
                        + " JOIN users b2 ON b2.id = b.banned_by WHERE r.name = ? ORDER BY u.username_key")) {
            ps.setString(1, room);
            try (ResultSet rs = ps.executeQuery()) {
                List<Ban> bans = new ArrayList<>();
                while (rs.next()) {
                    bans.add(new Ban(
                            rs.getString(1),
                            rs.getString(2),
                            Timestamps.format(SqlTime.instant(rs.getObject(3, LocalDateTime.class)))));
                }
                return bans;
            }
        }
    }

    /** The caller's username and whether they are an admin, as stored now. */
    public User caller(long callerId) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            Account a = account(c, callerId);
            return new User(Long.toString(a.id()), a.username(), a.admin() ? User.ADMIN : null);
        }
    }

    /**
     * Locks the room and requires the caller to be its owner or an admin: a private room's outsider who is no admin
     * gets {@code no_such_room}, anyone else without the right {@code forbidden}.
     */
    private static RoomGate.Locked requireModerator(Connection c, String room, long callerId) throws SQLException {
        Account caller = account(c, callerId);
        RoomGate.Locked gate = RoomGate.lock(c, room, callerId);
        if (caller.admin() || gate.ownerId() == callerId) {
            return gate;
        }
        if (!gate.member()) {
            throw outsider(room, gate, caller);
        }
        throw new ApiException(ErrorCode.FORBIDDEN, "only the room's owner or an admin may do this");
    }

    /** What a non-member hears: a private room does not exist for them (admins excepted), a public one says so. */
    private static ApiException outsider(String room, RoomGate.Locked gate, Account caller) {
        if (gate.privateRoom() && !caller.admin()) {
            return RoomStore.noSuchRoom(room);
        }
        return new ApiException(ErrorCode.NOT_MEMBER, "not a member of room " + room);
    }

    static Account account(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id, username, role FROM users WHERE id = ?")) {
            ps.setLong(1, id);
            return readAccount(ps, "no such user");
        }
    }

    static Account accountNamed(Connection c, String username) throws SQLException {
        if (username == null || !Validation.isValidUsername(username)) {
            throw new ApiException(ErrorCode.INVALID_USERNAME, "username: expected 3-32 characters of A-Za-z0-9_.-");
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT id, username, role FROM users WHERE username_key = ?")) {
            ps.setString(1, Validation.usernameKey(username));
            return readAccount(ps, "no such user: " + username);
        }
    }

    private static Account readAccount(PreparedStatement ps, String missing) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new ApiException(ErrorCode.NOT_FOUND, missing);
            }
            return new Account(rs.getLong(1), rs.getString(2), User.ADMIN.equals(rs.getString(3)));
        }
    }

    /** Inserts an invite or ban row unless there is one (and, for invites, unless the user is a member). */
    private static void insertOnce(
            Connection c, String table, String byColumn, long roomId, long userId, long byId, boolean unlessMember)
            throws SQLException {
        String sql = "INSERT INTO " + table + " (room_id, user_id, " + byColumn + ", created_at)"
                + " SELECT ?, ?, ?, ? FROM rooms WHERE id = ?"
                + " AND NOT EXISTS (SELECT 1 FROM " + table + " WHERE room_id = ? AND user_id = ?)"
                + (unlessMember ? " AND NOT EXISTS (SELECT 1 FROM memberships WHERE room_id = ? AND user_id = ?)" : "");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            ps.setLong(i++, roomId);
            ps.setLong(i++, userId);
            ps.setLong(i++, byId);
            ps.setString(i++, SqlTime.utc(Instant.now()));
            ps.setLong(i++, roomId);
            for (int k = 0; k < (unlessMember ? 2 : 1); k++) {
                ps.setLong(i++, roomId);
                ps.setLong(i++, userId);
            }
            ps.executeUpdate();
        }
    }

    private static boolean deleteRow(Connection c, String table, long roomId, long userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE room_id = ? AND user_id = ?")) {
            ps.setLong(1, roomId);
            ps.setLong(2, userId);
            return ps.executeUpdate() > 0;
        }
    }

    /** Work inside one transaction on one connection. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T inTransaction(Work<T> work) throws SQLException {
        return Transactions.run(dataSource, work);
    }
}
