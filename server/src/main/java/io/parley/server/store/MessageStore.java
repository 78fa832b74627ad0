package io.parley.server.store;

import io.parley.infra.SqlTime;
import io.parley.protocol.HistoryQuery;
import io.parley.protocol.ServerFrame;
import io.parley.protocol.Timestamps;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
    public record Page(List<ServerFrame.Message> messages, boolean hasMore) {
    }

    public Page history(long roomId, String room, HistoryQuery q) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT id, seq, sender_name, body, client_msg_id, created_at"
                + " FROM messages WHERE room_id = ?");
        if (q.after() != null) {
            sql.append(" AND seq > ?");
        }
        if (q.before() != null) {
            sql.append(" AND seq < ?");
        }
        // Forward pages (after) read oldest-first; the others read newest-first and are reversed.
        sql.append(q.forward() ? " ORDER BY seq ASC" : " ORDER BY seq DESC").append(" LIMIT ?");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int i = 1;
            ps.setLong(i++, roomId);
            if (q.after() != null) {
                ps.setLong(i++, q.after());
            }
            if (q.before() != null) {
                ps.setLong(i++, q.before());
            }
            ps.setInt(i, q.limit() + 1);
            List<ServerFrame.Message> messages = new ArrayList<>(q.limit() + 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    messages.add(new ServerFrame.Message(Long.toString(rs.getLong(1)), room, rs.getLong(2),
                            rs.getString(3), rs.getString(4), rs.getString(5),
                            Timestamps.format(SqlTime.instant(rs.getObject(6, LocalDateTime.class)))));
                }
            }
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
}
