package io.parley.server.store;

import io.parley.protocol.ErrorCode;
import io.parley.server.ApiException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Who may enter a room, read inside the caller's transaction with the room's row locked. Joins, removals and bans
 * of one room all take that lock first, so a ban and a join of the same user cannot interleave: the join either
 * happens before the ban (and the ban removes it) or sees the ban.
 */
public final class RoomGate {
    private RoomGate() {}

    /** A locked room and one user's standing in it. */
    public record Locked(
            long roomId, long ownerId, boolean privateRoom, boolean member, boolean invited, boolean banned) {

        /** Refuses a user who may not join: {@code banned}, or {@code forbidden} for a private room uninvited. */
        public void requireMayJoin(String room) {
            if (banned) {
                throw new ApiException(ErrorCode.BANNED, "banned from room " + room);
            }
            if (privateRoom && !invited) {
                throw new ApiException(ErrorCode.FORBIDDEN, "room " + room + " is private: a member must invite you");
            }
        }
    }

    /** Locks the room's row and reads the user's standing; {@code no_such_room} when it does not exist. */
    public static Locked lock(Connection c, String room, long userId) throws SQLException {
        long roomId;
        long ownerId;
        boolean privateRoom;
        try (PreparedStatement ps =
                c.prepareStatement("SELECT id, created_by, is_private FROM rooms WHERE name = ? FOR UPDATE")) {
            ps.setString(1, room);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw RoomStore.noSuchRoom(room);
                }
                roomId = rs.getLong(1);
                ownerId = rs.getLong(2);
                privateRoom = rs.getBoolean(3);
            }
        }
        return new Locked(
                roomId,
                ownerId,
                privateRoom,
                exists(c, "memberships", roomId, userId),
                exists(c, "invites", roomId, userId),
                exists(c, "bans", roomId, userId));
    }

    /** Deletes the user's invite to the room, if any: joining uses it up. */
    static void useInvite(Connection c, long roomId, long userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM invites WHERE room_id = ? AND user_id = ?")) {
            ps.setLong(1, roomId);
            ps.setLong(2, userId);
            ps.executeUpdate();
        }
    }

    private static boolean exists(Connection c, String table, long roomId, long userId) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT 1 FROM " + table + " WHERE room_id = ? AND user_id = ?")) {
            ps.setLong(1, roomId);
            ps.setLong(2, userId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
