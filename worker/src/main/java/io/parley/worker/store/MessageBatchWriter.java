package io.parley.worker.store;

import static java.util.Objects.requireNonNull;

import io.parley.infra.SqlTime;
import io.parley.protocol.QueueEnvelope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores a batch of queue envelopes in one transaction: locks the batch's rooms, drops duplicates (same id, or same
 * sender + clientMsgId, in the database or earlier in the batch), gives each room's entries the next seqs in queue
 * order and inserts them with multi-row statements; edits and deletes also change their targets ({@link LogChanges}). Safe to run again on the same batch. Batches known to be fresh
 * skip the duplicate look-ups and rely on the unique keys instead.
 */
public final class MessageBatchWriter {
    private static final Logger log = LoggerFactory.getLogger(MessageBatchWriter.class);
    /** Rows per INSERT statement: 8 parameters each, far below the 65535-placeholder limit. */
    static final int ROWS_PER_INSERT = 500;
    /** A database that stops answering must fail the batch (to be retried), not hang the partition. */
    private static final int NETWORK_TIMEOUT_MS = 30_000;
    /** MySQL's and MariaDB's error code for a duplicate key. */
    private static final int ER_DUP_ENTRY = 1062;
    /** The standard SQLSTATE of a unique-key violation, which the embedded database (H2) reports. */
    private static final String UNIQUE_VIOLATION = "23505";

    private static final String INSERT_PREFIX =
            "INSERT INTO messages (id, room_id, seq, sender_id, sender_name, body, client_msg_id, created_at) VALUES ";
    private static final String INSERT_ROW = "(?,?,?,?,?,?,?,?)";

    /** Sets up {@code c} as {@link #write(Connection, List, boolean)} needs it: manual commit, READ COMMITTED. */
    public static void prepare(Connection c) throws SQLException {
        c.setNetworkTimeout(Runnable::run, NETWORK_TIMEOUT_MS);
        c.setAutoCommit(false);
        // Each statement must see what other transactions committed before we locked the rooms.
        c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
    }

    /**
     * Stores {@code envelopes} (in queue order) in one transaction on {@code c} (set up by {@link #prepare}) and
     * commits; on any SQLException the transaction is rolled back and nothing is stored. {@code fresh} promises that
     * none of them can be stored yet (they were moved from the queue under this worker's lease), which skips the
     * look-ups for stored duplicates; a duplicate key proves the promise wrong, and the batch is then redone with them.
     */
    public BatchResult write(Connection c, List<QueueEnvelope> envelopes, boolean fresh) throws SQLException {
        requireNonNull(envelopes, "envelopes");
        List<QueueEnvelope> unique = new ArrayList<>(envelopes.size());
        int duplicates = dropInBatchDuplicates(envelopes, unique);
        if (unique.isEmpty()) {
            return new BatchResult(List.of(), 0, duplicates, 0);
        }
        if (fresh) {
            try {
                BatchResult result = write(c, unique, duplicates, false);
                c.commit();
                return result;
            } catch (SQLException e) {
                rollbackQuietly(c, e);
                if (!isDuplicateKey(e)) {
                    throw e;
                }
                // Redis lost acknowledgements (a restart from an old snapshot) or a dedupe entry: look them up.
                log.info(
                        "A fresh batch of {} hit a duplicate key; redoing it with duplicate checks: {}",
                        unique.size(),
                        e.getMessage());
            } catch (RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            }
        }
        try {
            BatchResult result = write(c, unique, duplicates, true);
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c, e);
            throw e;
        }
    }

    private static boolean isDuplicateKey(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql
                    && (sql.getErrorCode() == ER_DUP_ENTRY || UNIQUE_VIOLATION.equals(sql.getSQLState()))) {
                return true;
            }
        }
        return false;
    }

    private BatchResult write(Connection c, List<QueueEnvelope> batch, int inBatchDuplicates, boolean checkStored)
            throws SQLException {
        Map<String, RoomRow> rooms = lockRooms(
                c, batch.stream().map(QueueEnvelope::room).distinct().sorted().toList());
        Map<Long, StoredRow> storedById = checkStored ? storedById(c, batch) : Map.of();
        Set<SenderKey> storedClientMsgIds = checkStored ? storedClientMsgIds(c, batch) : Set.of();

        List<StoredMessage> toPublish = new ArrayList<>(batch.size());
        List<NewRow> inserts = new ArrayList<>(batch.size());
        List<LogChanges.Change> changes = new ArrayList<>();
        int duplicates = inBatchDuplicates;
        int dropped = 0;
        for (QueueEnvelope e : batch) {
            RoomRow room = rooms.get(e.room());
            if (room == null) {
                log.warn("Dropping message id={}: room '{}' does not exist", e.id(), e.room());
                dropped++;
                continue;
            }
            StoredRow stored = storedById.get(Long.parseLong(e.id()));
            if (stored != null) {
                duplicates++;
                if (stored.roomId() == room.id()) {
                    // As stored: an edit may have been stored empty, a message emptied by a delete since.
                    toPublish.add(message(e, stored.seq(), stored.body(), stored.createdAt()));
                } else {
                    log.warn(
                            "Message id={} is already stored in another room; not publishing it to '{}'",
                            e.id(),
                            e.room());
                }
                continue;
            }
            if (e.clientMsgId() != null && storedClientMsgIds.contains(SenderKey.of(e))) {
                duplicates++;
                continue;
            }
            long seq = ++room.lastSeq;
            if (e.changesTarget()) {
                changes.add(new LogChanges.Change(e, room.id(), seq));
                continue;
            }
            inserts.add(new NewRow(e, room.id(), seq));
            toPublish.add(message(e, seq, e.body(), e.acceptedAt()));
        }
        insert(c, inserts);
        // After the messages, so that a target stored in this same batch is found.
        toPublish.addAll(LogChanges.apply(c, changes));
        updateLastSeqs(c, rooms.values());
        toPublish.sort(Comparator.comparing(StoredMessage::room).thenComparingLong(StoredMessage::seq));
        return new BatchResult(toPublish, inserts.size() + changes.size(), duplicates, dropped);
    }

    /** Keeps the first envelope of every id and of every sender + clientMsgId; answers how many it dropped. */
    private static int dropInBatchDuplicates(List<QueueEnvelope> envelopes, List<QueueEnvelope> unique) {
        Set<String> ids = new HashSet<>();
        Set<SenderKey> clientMsgIds = new HashSet<>();
        int duplicates = 0;
        for (QueueEnvelope e : envelopes) {
            SenderKey key = e.clientMsgId() == null ? null : SenderKey.of(e);
            if (ids.contains(e.id()) || (key != null && clientMsgIds.contains(key))) {
                duplicates++;
                continue;
            }
            ids.add(e.id());
            if (key != null) {
                clientMsgIds.add(key);
            }
            unique.add(e);
        }
        return duplicates;
    }

    private static Map<String, RoomRow> lockRooms(Connection c, List<String> names) throws SQLException {
        // The index on name hands out row locks in name order, so concurrent batches cannot deadlock on rooms.
        String sql =
                "SELECT id, name, last_seq FROM rooms WHERE name IN (" + placeholders(names.size()) + ") FOR UPDATE";
        Map<String, RoomRow> rooms = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < names.size(); i++) {
                ps.setString(i + 1, names.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    RoomRow room = new RoomRow(rs.getLong(1), rs.getLong(3));
                    rooms.put(rs.getString(2), room);
                }
            }
        }
        return rooms;
    }

    private static Map<Long, StoredRow> storedById(Connection c, List<QueueEnvelope> batch) throws SQLException {
        String sql = "SELECT id, room_id, seq, body, created_at FROM messages WHERE id IN ("
                + placeholders(batch.size()) + ")";
        Map<Long, StoredRow> stored = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < batch.size(); i++) {
                ps.setLong(i + 1, Long.parseLong(batch.get(i).id()));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stored.put(
                            rs.getLong(1),
                            new StoredRow(
                                    rs.getLong(2),
                                    rs.getLong(3),
                                    rs.getString(4),
                                    SqlTime.instant(rs.getObject(5, LocalDateTime.class))
                                            .toEpochMilli()));
                }
            }
        }
        return stored;
    }

    private static Set<SenderKey> storedClientMsgIds(Connection c, List<QueueEnvelope> batch) throws SQLException {
        List<QueueEnvelope> withKey =
                batch.stream().filter(e -> e.clientMsgId() != null).toList();
        if (withKey.isEmpty()) {
            return Set.of();
        }
        String sql = "SELECT sender_id, client_msg_id FROM messages WHERE (sender_id, client_msg_id) IN ("
                + String.join(",", Collections.nCopies(withKey.size(), "(?,?)")) + ")";
        Set<SenderKey> stored = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            for (QueueEnvelope e : withKey) {
                ps.setLong(i++, Long.parseLong(e.senderId()));
                ps.setString(i++, e.clientMsgId());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stored.add(new SenderKey(rs.getLong(1), rs.getString(2)));
                }
            }
        }
        return stored;
    }

    private static void insert(Connection c, List<NewRow> rows) throws SQLException {
        for (int from = 0; from < rows.size(); from += ROWS_PER_INSERT) {
            List<NewRow> chunk = rows.subList(from, Math.min(rows.size(), from + ROWS_PER_INSERT));
            String sql = INSERT_PREFIX + String.join(",", Collections.nCopies(chunk.size(), INSERT_ROW));
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                for (NewRow row : chunk) {
                    QueueEnvelope e = row.envelope();
                    ps.setLong(i++, Long.parseLong(e.id()));
                    ps.setLong(i++, row.roomId());
                    ps.setLong(i++, row.seq());
                    ps.setLong(i++, Long.parseLong(e.senderId()));
                    ps.setString(i++, e.sender());
                    ps.setString(i++, e.body());
                    ps.setString(i++, e.clientMsgId());
                    ps.setString(i++, SqlTime.utc(Instant.ofEpochMilli(e.acceptedAt())));
                }
                ps.executeUpdate();
            }
        }
    }

    private static void updateLastSeqs(Connection c, Collection<RoomRow> rooms) throws SQLException {
        List<RoomRow> changed =
                rooms.stream().filter(r -> r.lastSeq != r.lockedLastSeq).toList();
        if (changed.isEmpty()) {
            return;
        }
        // One statement for all rooms: every round trip costs the driver and the server more than the rows do.
        String sql = "UPDATE rooms SET last_seq = CASE id" + " WHEN ? THEN ?".repeat(changed.size())
                + " END WHERE id IN (" + placeholders(changed.size()) + ")";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            for (RoomRow room : changed) {
                ps.setLong(i++, room.id());
                ps.setLong(i++, room.lastSeq);
            }
            for (RoomRow room : changed) {
                ps.setLong(i++, room.id());
            }
            ps.executeUpdate();
        }
    }

    private static StoredMessage message(QueueEnvelope e, long seq, String body, long createdAt) {
        return new StoredMessage(
                e.id(), e.room(), seq, e.sender(), body, e.clientMsgId(), createdAt, e.kind(), e.target());
    }

    private static String placeholders(int n) {
        return String.join(",", Collections.nCopies(n, "?"));
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    /** A locked room row; {@code lastSeq} advances as the batch assigns seqs. */
    private static final class RoomRow {
        private final long id;
        private final long lockedLastSeq;
        private long lastSeq;

        RoomRow(long id, long lastSeq) {
            this.id = id;
            this.lockedLastSeq = lastSeq;
            this.lastSeq = lastSeq;
        }

        long id() {
            return id;
        }
    }

    private record StoredRow(long roomId, long seq, String body, long createdAt) {}

    private record NewRow(QueueEnvelope envelope, long roomId, long seq) {}

    private record SenderKey(long senderId, String clientMsgId) {
        static SenderKey of(QueueEnvelope e) {
            return new SenderKey(Long.parseLong(e.senderId()), e.clientMsgId());
        }
    }
}
