package io.parley.worker.store;

import io.parley.infra.SqlTime;
import io.parley.protocol.QueueEnvelope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stores a batch's {@code edit} and {@code delete} entries and applies them to their targets, in queue order, inside
 * the batch's transaction (the rooms are locked, so no other writer changes these rows meanwhile). The worker has the
 * last word: an entry whose target is no longer a live message of its room (deleted after the server checked it), or
 * an edit not by the target's sender, is still stored (it was acknowledged, and seqs stay gapless) but with an empty
 * body and without changing anything, so a late edit can never bring deleted text back.
 *
 * <p>Edits of one message get strictly increasing {@code createdAt} in seq order (an edit accepted earlier by the
 * clock than the one stored before it, say on another replica, is stored 1 ms after it), and the target's
 * {@code editedAt} is always its winning edit's {@code createdAt}: a client may compare the two to tell which state
 * is newer, and the answer agrees with queue order.
 */
final class LogChanges {
    private static final String INSERT_PREFIX = "INSERT INTO messages (id, room_id, seq, sender_id, sender_name, body,"
            + " client_msg_id, created_at, kind, target_id) VALUES ";
    private static final String INSERT_ROW = "(?,?,?,?,?,?,?,?,?,?)";

    private LogChanges() {}

    /** An accepted edit or delete with the room and seq it is stored under. */
    record Change(QueueEnvelope envelope, long roomId, long seq) {}

    /** Stores {@code changes} (in queue order) and updates their targets; answers the entries as stored. */
    static List<StoredMessage> apply(Connection c, List<Change> changes) throws SQLException {
        if (changes.isEmpty()) {
            return List.of();
        }
        Map<Long, Target> targets = targets(c, changes);
        List<StoredMessage> stored = new ArrayList<>(changes.size());
        for (Change change : changes) {
            QueueEnvelope e = change.envelope();
            Target t = targets.get(Long.parseLong(e.target()));
            boolean live = t != null && t.roomId == change.roomId() && !t.deleted;
            String body = "";
            long createdAt = e.acceptedAt();
            if (QueueEnvelope.EDIT.equals(e.kind())) {
                if (live && t.senderId == Long.parseLong(e.senderId())) {
                    body = e.body();
                    createdAt = Math.max(createdAt, t.editedAt + 1);
                    t.body = body;
                    t.editedAt = createdAt;
                    t.changed = true;
                }
            } else if (live) {
                t.deleted = true;
                t.changed = true;
            }
            stored.add(new StoredMessage(
                    e.id(),
                    e.room(),
                    change.seq(),
                    e.sender(),
                    body,
                    e.clientMsgId(),
                    createdAt,
                    e.kind(),
                    e.target()));
        }
        insert(c, changes, stored);
        update(c, targets);
        return stored;
    }

    /** The plain messages the changes name; no row locks needed, since the batch holds their rooms' locks. */
    private static Map<Long, Target> targets(Connection c, List<Change> changes) throws SQLException {
        List<Long> ids = changes.stream()
                .map(ch -> Long.parseLong(ch.envelope().target()))
                .distinct()
                .toList();
        String sql =
                "SELECT id, room_id, sender_id, deleted, edited_at FROM messages WHERE kind = 'message' AND id IN ("
                        + String.join(",", Collections.nCopies(ids.size(), "?")) + ")";
        Map<Long, Target> targets = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < ids.size(); i++) {
                ps.setLong(i + 1, ids.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    LocalDateTime editedAt = rs.getObject(5, LocalDateTime.class);
                    Target t = new Target(rs.getLong(2), rs.getLong(3), rs.getBoolean(4));
                    t.editedAt =
                            editedAt == null ? 0 : SqlTime.instant(editedAt).toEpochMilli();
                    targets.put(rs.getLong(1), t);
                }
            }
        }
        return targets;
    }

    private static void insert(Connection c, List<Change> changes, List<StoredMessage> stored) throws SQLException {
        for (int from = 0; from < changes.size(); from += MessageBatchWriter.ROWS_PER_INSERT) {
            int to = Math.min(changes.size(), from + MessageBatchWriter.ROWS_PER_INSERT);
            String sql = INSERT_PREFIX + String.join(",", Collections.nCopies(to - from, INSERT_ROW));
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                for (int k = from; k < to; k++) {
                    Change change = changes.get(k);
                    StoredMessage m = stored.get(k);
                    ps.setLong(i++, Long.parseLong(m.id()));
                    ps.setLong(i++, change.roomId());
                    ps.setLong(i++, m.seq());
                    ps.setLong(i++, Long.parseLong(change.envelope().senderId()));
                    ps.setString(i++, m.sender());
                    ps.setString(i++, m.body());
                    ps.setString(i++, m.clientMsgId());
                    ps.setString(i++, SqlTime.utc(Instant.ofEpochMilli(m.acceptedAt())));
                    ps.setString(i++, m.kind());
                    ps.setLong(i++, Long.parseLong(m.target()));
                }
                ps.executeUpdate();
            }
        }
    }

    /** Writes each changed target's final state once; a delete also empties the target's edit entries. */
    private static void update(Connection c, Map<Long, Target> targets) throws SQLException {
        Map<Long, Target> edited = new HashMap<>();
        List<Long> deleted = new ArrayList<>();
        targets.forEach((id, t) -> {
            if (t.changed && t.deleted) {
                deleted.add(id);
            } else if (t.changed) {
                edited.put(id, t);
            }
        });
        if (!edited.isEmpty()) {
            try (PreparedStatement ps =
                    c.prepareStatement("UPDATE messages SET body = ?, edited_at = ? WHERE id = ?")) {
                for (Map.Entry<Long, Target> entry : edited.entrySet()) {
                    ps.setString(1, entry.getValue().body);
                    ps.setString(2, SqlTime.utc(Instant.ofEpochMilli(entry.getValue().editedAt)));
                    ps.setLong(3, entry.getKey());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        if (!deleted.isEmpty()) {
            String in = String.join(",", Collections.nCopies(deleted.size(), "?"));
            // The text goes from the target and from every edit entry of it, this batch's included.
            try (PreparedStatement ps = c.prepareStatement(
                            "UPDATE messages SET body = '', deleted = TRUE WHERE id IN (" + in + ")");
                    PreparedStatement edits = c.prepareStatement(
                            "UPDATE messages SET body = '' WHERE kind = 'edit' AND target_id IN (" + in + ")")) {
                for (int i = 0; i < deleted.size(); i++) {
                    ps.setLong(i + 1, deleted.get(i));
                    edits.setLong(i + 1, deleted.get(i));
                }
                ps.executeUpdate();
                edits.executeUpdate();
            }
        }
    }

    /** A target's state as the batch changes it. */
    private static final class Target {
        private final long roomId;
        private final long senderId;
        private boolean deleted;
        private boolean changed;
        private String body;
        private long editedAt;

        Target(long roomId, long senderId, boolean deleted) {
            this.roomId = roomId;
            this.senderId = senderId;
            this.deleted = deleted;
        }
    }
}
