package io.parley.server.store;

import java.sql.SQLException;

/** Who holds power over other people's messages in a room, read from the database at the time of the request. */
public interface RoomRoles {
    /** Whether the user owns the room (its creator). */
    boolean isOwner(long roomId, long userId) throws SQLException;

    /** Whether the user is an administrator now. */
    boolean isAdmin(long userId) throws SQLException;
}
