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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Edits and deletes as the worker stores them: in queue order, in the batch's transaction, authoritative. */
class LogChangesIT {
    private static TestServices.Isolated services;
    private static HikariDataSource dataSource;
    private static Fixtures fixtures;
    private static long alice;
    private static long bob;
    private static final AtomicLong ids = new AtomicLong(70_000_000_000L);

    private final MessageBatchWriter writer = new MessageBatchWriter();

    @BeforeAll
    static void setUp() throws Exception {
        services = TestServices.isolated();
        Databases.migrate(services.database());
        dataSource = Databases.open(services.database(), "log-changes-it");
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
    void twoEditsInOneBatchAreBothStoredAndTheLaterWins() throws Exception {
        fixtures.createRoom("edits", alice);
        QueueEnvelope m = message("edits", alice, "alice", "first draft");
        write(List.of(m), false);
        QueueEnvelope one = change(QueueEnvelope.EDIT, m, alice, "alice", "one");
        QueueEnvelope two = change(QueueEnvelope.EDIT, m, alice, "alice", "two");

        BatchResult result = write(List.of(one, two), true);

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

        BatchResult result = write(List.of(m, edit, delete, late), false);

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
        write(List.of(m), false);
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

        BatchResult result = write(List.of(forged, wrongRoom), false);

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
        write(batch, false);

        BatchResult again = write(batch, false);

        assertThat(again.stored()).isZero();
        assertThat(again.duplicates()).isEqualTo(3);
        // The message and the late edit go out as the database holds them: empty, never as first queued.
        assertThat(again.toPublish()).extracting(StoredMessage::body).containsExactly("", "", "");
        assertThat(again.toPublish()).extracting(StoredMessage::kind).containsExactly(null, "delete", "edit");
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

    private BatchResult write(List<QueueEnvelope> envelopes, boolean fresh) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            MessageBatchWriter.prepare(c);
            return writer.write(c, new ArrayList<>(envelopes), fresh);
        }
    }
}
