package io.parley.server.store;

import io.parley.infra.SqlTime;
import io.parley.protocol.HistoryQuery;
import io.parley.protocol.ServerFrame;
import io.parley.protocol.Timestamps;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/** Reads history pages; messages are written only by workers. */
public final class MessageStore {
    private final DataSource dataSource;

    public MessageStore(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /** A page ascending by seq, and whether more lie beyond it in the direction of travel. */
    public record Page(List<ServerFrame.Message> messages, boolean hasMore) {}

    public Page history(long roomId, String room, HistoryQuery q) throws SQLException {
        StringBuilder sql = new StringBuilder(
                "SELECT id, seq, sender_name, body, client_msg_id, created_at, kind, target_id, edited_at, deleted"
                        + " FROM messages WHERE room_id = ?");
        if (q.after() != null) {
            sql.append(" AND seq > ?");
        }
        if (q.before() != null) {
            sql.append(" AND seq < ?");
        }
        // Forward pages (after) read oldest-first; the others read newest-first and are reversed.
        sql.append(q.forward() ? " ORDER BY seq ASC" : " ORDER BY seq DESC").append(" LIMIT ?");
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int i = 1;
            ps.setLong(i++, roomId);
            if (q.after() != null) {
                ps.setLong(i++, q.after());
            }
            if (q.before() != null) {
                ps.setLong(i++, q.before());
            }
            ps.setInt(i, q.limit() + 1);
            List<ServerFrame.Message> messages = read(ps, room, q.limit() + 1);
            boolean hasMore = messages.size() > q.limit();
            if (hasMore) {
                messages.remove(messages.size() - 1);
            }
            if (!q.forward()) {
                Collections.reverse(messages);
            }
            return new Page(messages, hasMore);
        }
    }

    /**
     * At most {@code limit} messages of the room, ascending by seq: those with a seq above {@code afterSeq} among the
     * room's newest {@code window}, accepted at or after {@code sinceMs} (epoch milliseconds). What a replica missed
     * while its pub/sub was down; the window bounds the rows read however long the room is.
     */
    public List<ServerFrame.Message> after(String room, long afterSeq, long sinceMs, int window, int limit)
            throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT m.id, m.seq, m.sender_name, m.body, m.client_msg_id, m.created_at, m.kind,"
                                + " m.target_id, m.edited_at, m.deleted FROM messages m JOIN rooms r ON r.id = m.room_id WHERE r.name = ?"
                                + " AND m.seq > GREATEST(?, r.last_seq - ?) AND m.created_at >= ? ORDER BY m.seq ASC LIMIT ?")) {
            ps.setString(1, room);
            ps.setLong(2, afterSeq);
            ps.setInt(3, window);
            ps.setString(4, SqlTime.utc(Instant.ofEpochMilli(Math.max(0, sinceMs))));
            ps.setInt(5, limit);
            return read(ps, room, limit);
        }
    }

    private static List<ServerFrame.Message> read(PreparedStatement ps, String room, int expected) throws SQLException {
        List<ServerFrame.Message> messages = new ArrayList<>(expected);
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String kind = rs.getString(7);
                long target = rs.getLong(8);
                String targetText = rs.wasNull() ? null : Long.toString(target);
                LocalDateTime editedAt = rs.getObject(9, LocalDateTime.class);
                messages.add(new ServerFrame.Message(
                        Long.toString(rs.getLong(1)),
                        room,
                        rs.getLong(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        Timestamps.format(SqlTime.instant(rs.getObject(6, LocalDateTime.class))),
                        // Plain messages leave kind out, as version 1 wrote them.
                        ServerFrame.Message.KIND_MESSAGE.equals(kind) ? null : kind,
                        targetText,
                        editedAt == null ? null : Timestamps.format(SqlTime.instant(editedAt)),
                        rs.getBoolean(10) ? Boolean.TRUE : null));
            }
        }
        return messages;
    }
}
