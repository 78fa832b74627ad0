package io.parley.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Reads what an edit or delete needs to be checked before it is queued: the target message, and whether a retry's
 * clientMsgId is already stored. Reads the primary, since a message just stored must be found.
 */
public final class MessageTargets {
    private final DataSource dataSource;

    public MessageTargets(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /** A plain message of a room, as an edit or delete finds it. */
    public record Target(long senderId, boolean deleted) {}

    /** The id of the room {@code name}, public or private; {@code no_such_room} when there is none. */
    public long roomId(String name) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT id FROM rooms WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw RoomStore.noSuchRoom(name);
                }
                return rs.getLong(1);
            }
        }
    }

    /** The {@code kind: "message"} entry {@code id} of the room, if there is one. */
    public Optional<Target> find(long roomId, long id) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT sender_id, deleted FROM messages"
                        + " WHERE id = ? AND room_id = ? AND kind = 'message'")) {
            ps.setLong(1, id);
            ps.setLong(2, roomId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Target(rs.getLong(1), rs.getBoolean(2))) : Optional.empty();
            }
        }
    }

    /** The id of the entry the user already stored under {@code clientMsgId}, if any. */
    public Optional<String> stored(long senderId, String clientMsgId) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT id FROM messages WHERE sender_id = ? AND client_msg_id = ?")) {
            ps.setLong(1, senderId);
            ps.setString(2, clientMsgId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(Long.toString(rs.getLong(1))) : Optional.empty();
            }
        }
    }
}
