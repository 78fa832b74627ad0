package io.parley.worker.store;

import static io.parley.worker.Fixtures.envelope;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.parley.infra.Databases;
import io.parley.infra.TestServices;
import io.parley.protocol.QueueEnvelope;
import io.parley.worker.Fixtures;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MessageBatchWriterIT {
    private static TestServices.Isolated services;
    private static HikariDataSource dataSource;
    private static Fixtures fixtures;
    private static long alice;
    private static long bob;
    private static final AtomicLong ids = new AtomicLong(90_000_000_000L);

    private final MessageBatchWriter writer = new MessageBatchWriter();

    @BeforeAll
    static void setUp() throws Exception {
        services = TestServices.isolated();
        Databases.migrate(services.database());
        dataSource = Databases.open(services.database(), "writer-it");
        fixtures = new Fixtures(services.database());
        alice = fixtures.createUser("alice");
        bob = fixtures.createUser("bob");
    }

    @AfterAll
    static void tearDown() {
        dataSource.close();
        services.dropDatabase();
    }

    @Test
    void assignsGaplessSeqsPerRoomInQueueOrder() throws Exception {
        List<String> rooms = List.of("seq-a", "seq-b", "seq-c");
        for (String room : rooms) {
            fixtures.createRoom(room, alice);
        }
        List<QueueEnvelope> first = interleaved(rooms, 30);
        List<QueueEnvelope> second = interleaved(rooms, 30);

        BatchResult r1 = write(first);
        BatchResult r2 = write(second);

        assertThat(r1.stored()).isEqualTo(30);
        assertThat(r2.stored()).isEqualTo(30);
        assertThat(r1.duplicates() + r2.duplicates() + r1.dropped() + r2.dropped())
                .isZero();
        for (String room : rooms) {
            List<String> queued = new ArrayList<>();
            first.stream().filter(e -> e.room().equals(room)).forEach(e -> queued.add(e.id()));
            second.stream().filter(e -> e.room().equals(room)).forEach(e -> queued.add(e.id()));
            List<Fixtures.Row> stored = fixtures.messages(room);
            assertThat(stored).extracting(Fixtures.Row::seq).containsExactlyElementsOf(range(1, 20));
            assertThat(stored).extracting(row -> Long.toString(row.id())).containsExactlyElementsOf(queued);
            assertThat(fixtures.lastSeq(room)).isEqualTo(20);
            // What gets published for the second batch continues each room's sequence in order.
            assertThat(r2.toPublish())
                    .filteredOn(m -> m.room().equals(room))
                    .extracting(StoredMessage::seq)
                    .containsExactlyElementsOf(range(11, 20));
        }
    }

    @Test
    void reprocessingABatchStoresNothingNewAndReturnsTheStoredSeqs() throws Exception {
        fixtures.createRoom("again", alice);
        List<QueueEnvelope> batch = interleaved(List.of("again"), 10);
        BatchResult first = write(batch);

        BatchResult repeat = write(batch);

        assertThat(repeat.stored()).isZero();
        assertThat(repeat.duplicates()).isEqualTo(10);
        assertThat(repeat.toPublish()).isEqualTo(first.toPublish());
        assertThat(repeat.toPublish()).extracting(StoredMessage::seq).containsExactlyElementsOf(range(1, 10));
        assertThat(fixtures.messages("again")).hasSize(10);
        assertThat(fixtures.lastSeq("again")).isEqualTo(10);

        // A batch that overlaps the stored tail: old ones keep their seqs, new ones continue after them.
        List<QueueEnvelope> overlap = new ArrayList<>(batch.subList(7, 10));
        overlap.addAll(interleaved(List.of("again"), 2));
        BatchResult mixed = write(overlap);
        assertThat(mixed.stored()).isEqualTo(2);
        assertThat(mixed.toPublish()).extracting(StoredMessage::seq).containsExactly(8L, 9L, 10L, 11L, 12L);
        assertThat(mixed.toPublish())
                .extracting(StoredMessage::id)
                .containsExactlyElementsOf(
                        overlap.stream().map(QueueEnvelope::id).toList());
        assertThat(fixtures.lastSeq("again")).isEqualTo(12);
    }

    @Test
    void dropsARepeatedClientMsgIdOfTheSameSenderButNotOfAnother() throws Exception {
        fixtures.createRoom("cmid", alice);
        QueueEnvelope original = envelope(ids.incrementAndGet(), "cmid", alice, "alice", "hi", "c-1");
        write(List.of(original));

        QueueEnvelope retry = envelope(ids.incrementAndGet(), "cmid", alice, "alice", "hi", "c-1");
        BatchResult retried = write(List.of(retry));
        QueueEnvelope othersSame = envelope(ids.incrementAndGet(), "cmid", bob, "bob", "yo", "c-1");
        QueueEnvelope aliceNew = envelope(ids.incrementAndGet(), "cmid", alice, "alice", "more", "c-2");
        BatchResult others = write(List.of(othersSame, aliceNew));

        assertThat(retried.stored()).isZero();
        assertThat(retried.duplicates()).isEqualTo(1);
        assertThat(retried.toPublish()).isEmpty();
        assertThat(others.stored()).isEqualTo(2);
        assertThat(fixtures.messages("cmid"))
                .extracting(row -> Long.toString(row.id()))
                .containsExactly(original.id(), othersSame.id(), aliceNew.id());
        assertThat(fixtures.messages("cmid")).extracting(Fixtures.Row::seq).containsExactly(1L, 2L, 3L);
    }

    @Test
    void keepsTheFirstOfDuplicatesInsideOneBatch() throws Exception {
        fixtures.createRoom("inbatch", alice);
        long sameId = ids.incrementAndGet();
        QueueEnvelope a = envelope(sameId, "inbatch", alice, "alice", "first", null);
        QueueEnvelope aAgain = envelope(sameId, "inbatch", alice, "alice", "second", null);
        QueueEnvelope b = envelope(ids.incrementAndGet(), "inbatch", bob, "bob", "b", "k");
        QueueEnvelope bRetry = envelope(ids.incrementAndGet(), "inbatch", bob, "bob", "b", "k");
        QueueEnvelope c = envelope(ids.incrementAndGet(), "inbatch", alice, "alice", "c", "k");

        BatchResult result = write(List.of(a, aAgain, b, bRetry, c));

        assertThat(result.stored()).isEqualTo(3);
        assertThat(result.duplicates()).isEqualTo(2);
        assertThat(result.toPublish()).extracting(StoredMessage::id).containsExactly(a.id(), b.id(), c.id());
        List<Fixtures.Row> rows = fixtures.messages("inbatch");
        assertThat(rows).extracting(Fixtures.Row::body).containsExactly("first", "b", "c");
        assertThat(rows).extracting(Fixtures.Row::seq).containsExactly(1L, 2L, 3L);
    }

    @Test
    void dropsMessagesForRoomsThatDoNotExistAndStoresTheRest() throws Exception {
        fixtures.createRoom("exists", alice);
        QueueEnvelope orphan = envelope(ids.incrementAndGet(), "gone", alice, "alice", "x", null);
        QueueEnvelope kept = envelope(ids.incrementAndGet(), "exists", alice, "alice", "y", null);

        BatchResult result = write(List.of(orphan, kept));

        assertThat(result.dropped()).isEqualTo(1);
        assertThat(result.stored()).isEqualTo(1);
        assertThat(result.toPublish()).extracting(StoredMessage::id).containsExactly(kept.id());
    }

    @Test
    void storesLargeBatchesInSeveralStatementsWithUtcMillisecondTimestamps() throws Exception {
        fixtures.createRoom("large", alice);
        int count = 2 * MessageBatchWriter.ROWS_PER_INSERT + 7;
        List<QueueEnvelope> batch = interleaved(List.of("large"), count);

        BatchResult result = write(batch);

        assertThat(result.stored()).isEqualTo(count);
        List<Fixtures.Row> rows = fixtures.messages("large");
        assertThat(rows).extracting(Fixtures.Row::seq).containsExactlyElementsOf(range(1, count));
        DateTimeFormatter sqlFormat =
                DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
        for (int i = 0; i < count; i++) {
            QueueEnvelope e = batch.get(i);
            Fixtures.Row row = rows.get(i);
            assertThat(row.createdAt()).isEqualTo(sqlFormat.format(Instant.ofEpochMilli(e.acceptedAt())));
            assertThat(row.body()).isEqualTo(e.body());
            assertThat(row.sender()).isEqualTo(e.sender());
            assertThat(row.senderId()).isEqualTo(Long.parseLong(e.senderId()));
            assertThat(row.clientMsgId()).isEqualTo(e.clientMsgId());
        }
    }

    @Test
    void freshBatchesAreStoredWithoutLookUpsLikeAnyOther() throws Exception {
        List<String> rooms = List.of("fresh-a", "fresh-b");
        for (String room : rooms) {
            fixtures.createRoom(room, alice);
        }
        List<QueueEnvelope> first = interleaved(rooms, 20);
        List<QueueEnvelope> second = interleaved(rooms, 2 * MessageBatchWriter.ROWS_PER_INSERT + 3);

        BatchResult r1 = writeFresh(first);
        BatchResult r2 = writeFresh(second);

        assertThat(r1.stored()).isEqualTo(20);
        assertThat(r2.stored()).isEqualTo(second.size());
        assertThat(r1.duplicates() + r2.duplicates()).isZero();
        for (String room : rooms) {
            List<String> queued = new ArrayList<>();
            first.stream().filter(e -> e.room().equals(room)).forEach(e -> queued.add(e.id()));
            second.stream().filter(e -> e.room().equals(room)).forEach(e -> queued.add(e.id()));
            List<Fixtures.Row> stored = fixtures.messages(room);
            assertThat(stored).extracting(row -> Long.toString(row.id())).containsExactlyElementsOf(queued);
            assertThat(stored).extracting(Fixtures.Row::seq).containsExactlyElementsOf(range(1, queued.size()));
            assertThat(fixtures.lastSeq(room)).isEqualTo(queued.size());
        }
    }

    @Test
    void aFreshBatchThatHitsAStoredIdIsRedoneWithDuplicateChecks() throws Exception {
        fixtures.createRoom("fallback-id", alice);
        List<QueueEnvelope> stored = interleaved(List.of("fallback-id"), 3);
        BatchResult first = write(stored);
        List<QueueEnvelope> batch = new ArrayList<>(stored.subList(1, 3));
        batch.addAll(interleaved(List.of("fallback-id"), 2));

        // Wrongly promised fresh, as after Redis came back from an old snapshot: the unique key catches it.
        BatchResult result = writeFresh(batch);

        assertThat(result.stored()).isEqualTo(2);
        assertThat(result.duplicates()).isEqualTo(2);
        assertThat(result.toPublish()).extracting(StoredMessage::seq).containsExactly(2L, 3L, 4L, 5L);
        assertThat(result.toPublish().subList(0, 2)).isEqualTo(first.toPublish().subList(1, 3));
        assertThat(fixtures.messages("fallback-id"))
                .extracting(row -> Long.toString(row.id()))
                .containsExactlyElementsOf(List.of(
                        stored.get(0).id(),
                        stored.get(1).id(),
                        stored.get(2).id(),
                        batch.get(2).id(),
                        batch.get(3).id()));
        assertThat(fixtures.lastSeq("fallback-id")).isEqualTo(5);
    }

    @Test
    void aFreshBatchThatHitsAStoredClientMsgIdIsRedoneWithDuplicateChecks() throws Exception {
        fixtures.createRoom("fallback-cmid", alice);
        QueueEnvelope original = envelope(ids.incrementAndGet(), "fallback-cmid", alice, "alice", "hi", "f-1");
        write(List.of(original));
        QueueEnvelope retry = envelope(ids.incrementAndGet(), "fallback-cmid", alice, "alice", "hi", "f-1");
        QueueEnvelope next = envelope(ids.incrementAndGet(), "fallback-cmid", alice, "alice", "next", "f-2");

        BatchResult result = writeFresh(List.of(retry, next));

        assertThat(result.stored()).isEqualTo(1);
        assertThat(result.duplicates()).isEqualTo(1);
        assertThat(result.toPublish()).extracting(StoredMessage::id).containsExactly(next.id());
        assertThat(fixtures.messages("fallback-cmid"))
                .extracting(row -> Long.toString(row.id()))
                .containsExactly(original.id(), next.id());
        assertThat(fixtures.messages("fallback-cmid"))
                .extracting(Fixtures.Row::seq)
                .containsExactly(1L, 2L);
        assertThat(fixtures.lastSeq("fallback-cmid")).isEqualTo(2);
    }

    // ---------------------------------------------------------------- edits and deletes (LogChanges)

    @Test
    void twoEditsInOneBatchAreBothStoredAndTheLaterWins() throws Exception {
        fixtures.createRoom("edits", alice);
        QueueEnvelope m = message("edits", alice, "alice", "first draft");
        write(List.of(m));
        QueueEnvelope one = change(QueueEnvelope.EDIT, m, alice, "alice", "one");
        QueueEnvelope two = change(QueueEnvelope.EDIT, m, alice, "alice", "two");

        BatchResult result = writeFresh(List.of(one, two));

        assertThat(result.stored()).isEqualTo(2);
        assertThat(result.toPublish()).extracting(StoredMessage::seq).containsExactly(2L, 3L);
        assertThat(result.toPublish()).extracting(StoredMessage::body).containsExactly("one", "two");
        assertThat(result.toPublish()).extracting(StoredMessage::kind).containsOnly("edit");
        assertThat(result.toPublish()).extracting(StoredMessage::target).containsOnly(m.id());
        assertThat(row(m.id())).isEqualTo(new State("message", null, "two", true, false));
        assertThat(row(two.id())).isEqualTo(new State("edit", m.id(), "two", false, false));
        assertThat(fixtures.lastSeq("edits")).isEqualTo(3);
    }

    @Test
    void aDeleteEmptiesTheTargetAndItsEditsAndALaterEditCannotBringTextBack() throws Exception {
        fixtures.createRoom("deletes", alice);
        QueueEnvelope m = message("deletes", alice, "alice", "secret");
        QueueEnvelope edit = change(QueueEnvelope.EDIT, m, alice, "alice", "still secret");
        // Message, edit, delete and a late edit in one batch: the target is found although stored by this batch.
        QueueEnvelope delete = change(QueueEnvelope.DELETE, m, alice, "alice", "");
        QueueEnvelope late = change(QueueEnvelope.EDIT, m, alice, "alice", "back again");

        BatchResult result = write(List.of(m, edit, delete, late));

        assertThat(result.stored()).isEqualTo(4);
        assertThat(result.toPublish()).extracting(StoredMessage::seq).containsExactly(1L, 2L, 3L, 4L);
        assertThat(result.toPublish().get(3).body()).isEmpty();
        assertThat(row(m.id()).body()).isEmpty();
        assertThat(row(m.id()).deleted()).isTrue();
        assertThat(row(edit.id()).body()).isEmpty();
        assertThat(row(late.id())).isEqualTo(new State("edit", m.id(), "", false, false));
        assertThat(bodiesContaining("secret")).isZero();
        assertThat(bodiesContaining("back again")).isZero();
    }

    @Test
    void anEditBySomeoneElseOrOfAnotherRoomsMessageIsStoredEmptyAndChangesNothing() throws Exception {
        fixtures.createRoom("mine", alice);
        fixtures.createRoom("elsewhere", alice);
        QueueEnvelope m = message("mine", alice, "alice", "alice wrote this");
        write(List.of(m));
        QueueEnvelope forged = change(QueueEnvelope.EDIT, m, bob, "bob", "bob rewrote it");
        QueueEnvelope wrongRoom = new QueueEnvelope(
                Long.toString(ids.incrementAndGet()),
                "elsewhere",
                Long.toString(alice),
                "alice",
                "cross-room",
                null,
                Fixtures.ACCEPTED_AT,
                QueueEnvelope.EDIT,
                m.id());

        BatchResult result = write(List.of(forged, wrongRoom));

        assertThat(result.stored()).isEqualTo(2);
        assertThat(result.toPublish()).extracting(StoredMessage::body).containsOnly("");
        assertThat(row(m.id())).isEqualTo(new State("message", null, "alice wrote this", false, false));
    }

    @Test
    void aRetriedBatchRepublishesEntriesAsStored() throws Exception {
        fixtures.createRoom("retry", alice);
        QueueEnvelope m = message("retry", alice, "alice", "text");
        QueueEnvelope delete = change(QueueEnvelope.DELETE, m, alice, "alice", "");
        QueueEnvelope late = change(QueueEnvelope.EDIT, m, alice, "alice", "resurrected");
        List<QueueEnvelope> batch = List.of(m, delete, late);
        write(batch);

        BatchResult again = write(batch);

        assertThat(again.stored()).isZero();
        assertThat(again.duplicates()).isEqualTo(3);
        // The message and the late edit go out as the database holds them: empty, never as first queued.
        assertThat(again.toPublish()).extracting(StoredMessage::body).containsExactly("", "", "");
        assertThat(again.toPublish()).extracting(StoredMessage::kind).containsExactly(null, "delete", "edit");
    }

    @Test
    void anEditStoredAfterAnotherIsNeverOlderByItsCreatedAt() throws Exception {
        fixtures.createRoom("clocks", alice);
        QueueEnvelope m = message("clocks", alice, "alice", "draft");
        QueueEnvelope first = at(change(QueueEnvelope.EDIT, m, alice, "alice", "first"), Fixtures.ACCEPTED_AT + 500);
        // Accepted by a replica whose clock is behind, but queued after the first: it wins, so it must not look older.
        QueueEnvelope second = at(change(QueueEnvelope.EDIT, m, alice, "alice", "second"), Fixtures.ACCEPTED_AT + 100);
        write(List.of(m, first));

        BatchResult result = write(List.of(second));

        assertThat(result.toPublish().get(0).acceptedAt()).isEqualTo(Fixtures.ACCEPTED_AT + 501);
        assertThat(row(m.id()).body()).isEqualTo("second");
        try (Connection c = fixtures.connect();
                PreparedStatement ps = c.prepareStatement("SELECT m.edited_at, e.created_at FROM messages m"
                        + " JOIN messages e ON e.id = ? WHERE m.id = ?")) {
            ps.setLong(1, Long.parseLong(second.id()));
            ps.setLong(2, Long.parseLong(m.id()));
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo(rs.getString(2)).endsWith(".624");
            }
        }
    }

    private static QueueEnvelope at(QueueEnvelope e, long acceptedAt) {
        return new QueueEnvelope(
                e.id(),
                e.room(),
                e.senderId(),
                e.sender(),
                e.body(),
                e.clientMsgId(),
                acceptedAt,
                e.kind(),
                e.target());
    }

    private record State(String kind, String target, String body, boolean edited, boolean deleted) {}

    private static State row(String id) throws Exception {
        try (Connection c = fixtures.connect();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT kind, target_id, body, edited_at, deleted FROM messages WHERE id = ?")) {
            ps.setLong(1, Long.parseLong(id));
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("row %s", id).isTrue();
                long target = rs.getLong(2);
                String targetText = rs.wasNull() ? null : Long.toString(target);
                return new State(
                        rs.getString(1), targetText, rs.getString(3), rs.getObject(4) != null, rs.getBoolean(5));
            }
        }
    }

    private static long bodiesContaining(String text) throws Exception {
        try (Connection c = fixtures.connect();
                PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM messages WHERE body LIKE ?")) {
            ps.setString(1, "%" + text + "%");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static QueueEnvelope message(String room, long senderId, String sender, String body) {
        return envelope(ids.incrementAndGet(), room, senderId, sender, body, null);
    }

    private static QueueEnvelope change(String kind, QueueEnvelope target, long senderId, String sender, String body) {
        long id = ids.incrementAndGet();
        return new QueueEnvelope(
                Long.toString(id),
                target.room(),
                Long.toString(senderId),
                sender,
                body,
                "cm-" + id,
                Fixtures.ACCEPTED_AT + id % 1000,
                kind,
                target.id());
    }

    private BatchResult writeFresh(List<QueueEnvelope> batch) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            MessageBatchWriter.prepare(c);
            return writer.write(c, batch, true);
        }
    }

    /** {@code count} new envelopes spread round-robin over {@code rooms}, with bodies that need utf8mb4. */
    private static List<QueueEnvelope> interleaved(List<String> rooms, int count) {
        List<QueueEnvelope> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long id = ids.incrementAndGet();
            boolean byAlice = i % 2 == 0;
            batch.add(envelope(
                    id,
                    rooms.get(i % rooms.size()),
                    byAlice ? alice : bob,
                    byAlice ? "alice" : "bob",
                    "message " + id + " \uD83D\uDE00 <b>",
                    i % 3 == 0 ? null : "cm-" + id));
        }
        return batch;
    }

    private static List<Long> range(long from, long to) {
        List<Long> values = new ArrayList<>();
        for (long v = from; v <= to; v++) {
            values.add(v);
        }
        return values;
    }

    /** Stores {@code envelopes} on a connection of their own, as the committer does with a batch not known fresh. */
    private BatchResult write(List<QueueEnvelope> envelopes) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            MessageBatchWriter.prepare(c);
            return writer.write(c, envelopes, false);
        }
    }
}
