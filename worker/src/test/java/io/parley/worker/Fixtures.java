package io.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.infra.DatabaseSettings;
import io.parley.protocol.QueueEnvelope;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Test data in the isolated database: users and rooms by plain JDBC, envelopes, and what got stored. */
public final class Fixtures {
    /** Fixed so that stored created_at values can be compared exactly. */
    public static final long ACCEPTED_AT = 1_795_800_011_123L;

    private final DatabaseSettings db;

    public Fixtures(DatabaseSettings db) {
        this.db = db;
    }

    /** One stored message row, as history would read it. */
    public record Row(
            long id, long seq, long senderId, String sender, String body, String clientMsgId, String createdAt) {}

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
    }

    public long createUser(String username) throws SQLException {
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO users (username, username_key, password_hash, created_at) VALUES (?, ?, 'x', ?)",
                        Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, username);
            ps.setString(2, username.toLowerCase(java.util.Locale.ROOT));
            ps.setObject(3, LocalDateTime.now(ZoneOffset.UTC));
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    public long createRoom(String name, long createdBy) throws SQLException {
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO rooms (name, created_by, created_at) VALUES (?, ?, ?)",
                        Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, name);
            ps.setLong(2, createdBy);
            ps.setObject(3, LocalDateTime.now(ZoneOffset.UTC));
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    /** A room's stored messages ordered by seq. */
    public List<Row> messages(String room) throws SQLException {
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT m.id, m.seq, m.sender_id, m.sender_name, m.body, m.client_msg_id, CAST(m.created_at AS CHAR)"
                                + " FROM messages m JOIN rooms r ON r.id = m.room_id WHERE r.name = ? ORDER BY m.seq")) {
            ps.setString(1, room);
            List<Row> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(
                            rs.getLong(1),
                            rs.getLong(2),
                            rs.getLong(3),
                            rs.getString(4),
                            rs.getString(5),
                            rs.getString(6),
                            rs.getString(7)));
                }
            }
            return rows;
        }
    }

    public long lastSeq(String room) throws SQLException {
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement("SELECT last_seq FROM rooms WHERE name = ?")) {
            ps.setString(1, room);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Asserts that each room holds exactly the messages pushed to it ({@code pushed}: room to message ids), in push
     * order, with seqs 1..n and the room's last seq at n.
     */
    public void assertStoredInPushOrder(Map<String, List<String>> pushed) throws SQLException {
        for (var entry : pushed.entrySet()) {
            List<Row> rows = messages(entry.getKey());
            assertThat(rows)
                    .as("room %s", entry.getKey())
                    .extracting(r -> Long.toString(r.id()))
                    .containsExactlyElementsOf(entry.getValue());
            for (int i = 0; i < rows.size(); i++) {
                assertThat(rows.get(i).seq())
                        .as("seq in room %s", entry.getKey())
                        .isEqualTo(i + 1);
            }
            assertThat(lastSeq(entry.getKey())).isEqualTo(rows.size());
        }
    }

    public long countMessages() throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM messages")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    public static QueueEnvelope envelope(
            long id, String room, long senderId, String sender, String body, String clientMsgId) {
        return new QueueEnvelope(
                Long.toString(id), room, Long.toString(senderId), sender, body, clientMsgId, ACCEPTED_AT + id % 1000);
    }
}
