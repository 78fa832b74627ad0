package io.parley.server.store;

import io.parley.infra.SqlTime;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.Room;
import io.parley.protocol.Timestamps;
import io.parley.protocol.User;
import io.parley.server.ApiException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/** Rooms and memberships: creating, joining, leaving and listing. */
public final class RoomStore {
    private static final String ROOM_COLUMNS =
            "r.id, r.name, u.username, r.created_at, r.last_seq, r.is_private FROM rooms r"
                    + " JOIN users u ON u.id = r.created_by";

    private final DataSource dataSource;
    private final int maxRoomsPerUser;

    public RoomStore(DataSource dataSource, int maxRoomsPerUser) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        if (maxRoomsPerUser < 1) {
            throw new IllegalArgumentException("maxRoomsPerUser: " + maxRoomsPerUser + " (expected: at least 1)");
        }
        this.maxRoomsPerUser = maxRoomsPerUser;
    }

    /** One page of rooms by name, and whether more follow. */
    public record Page(List<Room> rooms, boolean hasMore) {}

    /** A room's id and whether a user is a member; {@code no_such_room} when it does not exist. */
    public record Access(long roomId, boolean member) {
        public Access requireMember(String room) {
            if (!member) {
                throw new ApiException(ErrorCode.NOT_MEMBER, "not a member of room " + room);
            }
            return this;
        }
    }

    /** The outcome of a join: the room, and whether the user was not a member before. */
    public record JoinResult(Room room, boolean newMember) {}

    /** Creates a public room with its creator as first member; {@code room_exists} when the name is taken. */
    public Room create(String name, long userId) throws SQLException {
        return create(name, userId, false);
    }

    /** Creates a room with its creator as owner and first member; {@code room_exists} when the name is taken. */
    public Room create(String name, long userId, boolean privateRoom) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            requireRoomBudget(c, userId);
            c.setAutoCommit(false);
            try {
                long roomId = insertRoom(c, name, userId, privateRoom);
                insertMembership(c, roomId, userId);
                c.commit();
            } catch (SQLIntegrityConstraintViolationException e) {
                c.rollback();
                throw new ApiException(ErrorCode.ROOM_EXISTS, "room exists: " + name);
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
            return findRow(c, name).room();
        }
    }

    /**
     * Makes the user a member, creating a public room when it is missing; {@code too_many_rooms} past the limit,
     * {@code banned} for a banned user, {@code forbidden} for a private room without an invite (used up here).
     */
    public JoinResult join(String name, long userId) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            if (roomCount(c, userId) >= maxRoomsPerUser && !isMember(c, name, userId)) {
                throw tooManyRooms();
            }
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT IGNORE INTO rooms (name, created_by, created_at) VALUES (?, ?, ?)")) {
                ps.setString(1, name);
                ps.setLong(2, userId);
                ps.setString(3, SqlTime.utc(Instant.now()));
                ps.executeUpdate();
            }
            c.setAutoCommit(false);
            try {
                // The room row's lock orders this join against a ban or removal of the same user (RoomGate).
                RoomGate.Locked gate = RoomGate.lock(c, name, userId);
                boolean newMember = false;
                if (!gate.member()) {
                    gate.requireMayJoin(name);
                    newMember = insertMembership(c, gate.roomId(), userId);
                    RoomGate.useInvite(c, gate.roomId(), userId);
                }
                c.commit();
                return new JoinResult(findRow(c, name).room(), newMember);
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Ends a membership; {@code no_such_room} or {@code not_member} when there is none. */
    public void leave(String name, long userId) throws SQLException {
        Access access = access(name, userId);
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("DELETE FROM memberships WHERE room_id = ? AND user_id = ?")) {
            ps.setLong(1, access.roomId());
            ps.setLong(2, userId);
            if (ps.executeUpdate() == 0) {
                throw new ApiException(ErrorCode.NOT_MEMBER, "not a member of room " + name);
            }
        }
    }

    /** A room's id and the user's membership; a private room the user is not in is {@code no_such_room}. */
    public Access access(String name, long userId) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT r.id, m.user_id, r.is_private FROM rooms r"
                        + " LEFT JOIN memberships m ON m.room_id = r.id AND m.user_id = ? WHERE r.name = ?")) {
            ps.setLong(1, userId);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw noSuchRoom(name);
                }
                long roomId = rs.getLong(1);
                rs.getLong(2);
                boolean member = !rs.wasNull();
                if (!member && rs.getBoolean(3)) {
                    throw noSuchRoom(name); // a private room's existence is not revealed to outsiders
                }
                return new Access(roomId, member);
            }
        }
    }

    public List<Room> roomsOf(long userId) throws SQLException {
        return query(
                "SELECT " + ROOM_COLUMNS + " JOIN memberships m ON m.room_id = r.id WHERE m.user_id = ?"
                        + " ORDER BY r.name",
                userId);
    }

    /**
     * Rooms by name after an exclusive cursor ({@code ""} for the first page), at most {@code limit}: the public
     * ones and the private ones {@code userId} is a member of.
     */
    public Page page(String after, int limit, long userId) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT " + ROOM_COLUMNS + " WHERE r.name > ? AND"
                        + " (r.is_private = FALSE OR EXISTS (SELECT 1 FROM memberships m WHERE m.room_id = r.id"
                        + " AND m.user_id = ?)) ORDER BY r.name LIMIT ?")) {
            ps.setString(1, after);
            ps.setLong(2, userId);
            ps.setInt(3, limit + 1);
            try (ResultSet rs = ps.executeQuery()) {
                List<Room> rooms = new ArrayList<>();
                while (rs.next()) {
                    rooms.add(room(rs));
                }
                boolean hasMore = rooms.size() > limit;
                return new Page(hasMore ? rooms.subList(0, limit) : rooms, hasMore);
            }
        }
    }

    public List<User> members(long roomId) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT u.id, u.username FROM memberships m"
                        + " JOIN users u ON u.id = m.user_id WHERE m.room_id = ?")) {
            ps.setLong(1, roomId);
            try (ResultSet rs = ps.executeQuery()) {
                List<User> users = new ArrayList<>();
                while (rs.next()) {
                    users.add(new User(Long.toString(rs.getLong(1)), rs.getString(2)));
                }
                return users;
            }
        }
    }

    private List<Room> query(String sql, Long userId) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            if (userId != null) {
                ps.setLong(1, userId);
            }
            try (ResultSet rs = ps.executeQuery()) {
                List<Room> rooms = new ArrayList<>();
                while (rs.next()) {
                    rooms.add(room(rs));
                }
                return rooms;
            }
        }
    }

    private static long insertRoom(Connection c, String name, long userId, boolean privateRoom) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO rooms (name, created_by, created_at, is_private) VALUES (?, ?, ?, ?)",
                PreparedStatement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, name);
            ps.setLong(2, userId);
            ps.setString(3, SqlTime.utc(Instant.now()));
            ps.setBoolean(4, privateRoom);
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    /**
     * Inserts a membership unless it exists; true when one was inserted. The room limit is checked just before,
     * without locking, so one user's concurrent joins can pass it by at most the number in flight (the blocking
     * pool's size): a bound that costs no lock on every join.
     */
    private static boolean insertMembership(Connection c, long roomId, long userId) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("INSERT IGNORE INTO memberships (room_id, user_id, joined_at) VALUES (?, ?, ?)")) {
            ps.setLong(1, roomId);
            ps.setLong(2, userId);
            ps.setString(3, SqlTime.utc(Instant.now()));
            return ps.executeUpdate() == 1;
        }
    }

    private void requireRoomBudget(Connection c, long userId) throws SQLException {
        if (roomCount(c, userId) >= maxRoomsPerUser) {
            throw tooManyRooms();
        }
    }

    private static long roomCount(Connection c, long userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM memberships WHERE user_id = ?")) {
            ps.setLong(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static boolean isMember(Connection c, String name, long userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM memberships m JOIN rooms r ON r.id = m.room_id"
                + " WHERE r.name = ? AND m.user_id = ?")) {
            ps.setString(1, name);
            ps.setLong(2, userId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private ApiException tooManyRooms() {
        return new ApiException(
                ErrorCode.TOO_MANY_ROOMS,
                "a user can be a member of at most " + maxRoomsPerUser + " rooms; leave one first");
    }

    private record Row(long id, Room room) {}

    private static Row findRow(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + ROOM_COLUMNS + " WHERE r.name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw noSuchRoom(name);
                }
                return new Row(rs.getLong(1), room(rs));
            }
        }
    }

    /** A room from the columns of {@link #ROOM_COLUMNS}; the owner is its creator. */
    public static Room room(ResultSet rs) throws SQLException {
        return new Room(
                rs.getString(2),
                rs.getString(3),
                Timestamps.format(SqlTime.instant(rs.getObject(4, LocalDateTime.class))),
                rs.getLong(5),
                rs.getBoolean(6) ? Boolean.TRUE : null,
                rs.getString(3));
    }

    /** The columns {@link #room} reads, from {@code rooms r} joined with its creator {@code u}. */
    public static String roomColumns() {
        return ROOM_COLUMNS;
    }

    public static ApiException noSuchRoom(String name) {
        return new ApiException(ErrorCode.NO_SUCH_ROOM, "no such room: " + name);
    }
}
