package io.parley.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * {@link RoomRoles} from the rooms and users tables: the owner is {@code rooms.created_by}, an admin has
 * {@code users.role = 'admin'}. On a schema without the role column (version 1 before migration V2) nobody is an
 * admin.
 */
public final class DatabaseRoomRoles implements RoomRoles {
    /** SQLSTATE of an unknown column, in MariaDB and in H2 alike. */
    private static final String UNKNOWN_COLUMN = "42S22";

    private final DataSource dataSource;

    public DatabaseRoomRoles(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    @Override
    public boolean isOwner(long roomId, long userId) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT created_by FROM rooms WHERE id = ?")) {
            ps.setLong(1, roomId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getLong(1) == userId;
            }
        }
    }

    @Override
    public boolean isAdmin(long userId) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT role FROM users WHERE id = ?")) {
            ps.setLong(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && "admin".equals(rs.getString(1));
            }
        } catch (SQLException e) {
            // Not remembered: the column may be added while this replica runs (a rolling upgrade).
            if (UNKNOWN_COLUMN.equals(e.getSQLState())) {
                return false;
            }
            throw e;
        }
    }
}
