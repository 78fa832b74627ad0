package io.parley.worker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.infra.EmbeddedDatabase;
import io.parley.protocol.Json;
import io.parley.protocol.QueueEnvelope;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded queue: acknowledged only once committed, taken in order, deleted by the worker's ack, reloaded. */
class EmbeddedQueueTest {
    private static final int PARTITIONS = 2;

    @TempDir
    Path dir;

    private final List<String> published = new ArrayList<>();
    private final EnvelopeDecoder decoder = new EnvelopeDecoder(Json.newMapper());

    @Test
    void takesInOrderDeletesOnAckAndReloadsWhatIsLeftAsInflight() throws Exception {
        try (EmbeddedDatabase db = EmbeddedDatabase.open(dir, 4)) {
            EmbeddedQueue queue = open(db);
            for (int i = 1; i <= 5; i++) {
                assertThat(append(queue, envelope(i, null))).isEqualTo(Integer.toString(i));
            }
            assertThat(queue.inflightLength(0)).isZero();
            List<String> first = take(queue, 0, 3);
            assertThat(first).extracting(this::idOf).containsExactly("1", "2", "3");
            assertThat(queue.inflightLength(0)).isEqualTo(3);
            // Publishes the stored batch, acknowledges it and takes the rest in one call.
            Taken rest = queue.publishAckAndTake(0, 10, 3, List.of(bytes("room:a"), bytes("frame-1")));
            assertThat(((Taken.Batch) rest).envelopes()).extracting(this::idOf).containsExactly("4", "5");
            assertThat(published).containsExactly("room:a=frame-1");
            assertThat(java.util.Arrays.stream(queue.depths()).sum()).isEqualTo(2);
            queue.close();
        }
        try (EmbeddedDatabase db = EmbeddedDatabase.open(dir, 4)) {
            EmbeddedQueue reopened = open(db);
            // 4 and 5 were taken but not acknowledged: the next run treats them as possibly stored, oldest first.
            assertThat(reopened.inflightLength(0)).isEqualTo(2);
            assertThat(take(reopened, 0, 10)).extracting(this::idOf).containsExactly("4", "5");
            assertThat(reopened.publishAckAndTake(0, 0, 2, List.of())).isEqualTo(new Taken.Batch(List.of()));
            assertThat(take(reopened, 0, 10)).isEmpty();
            reopened.close();
        }
    }

    @Test
    void aRetriedClientMsgIdIsAcknowledgedWithTheOriginalIdAndQueuedOnce() throws Exception {
        try (EmbeddedDatabase db = EmbeddedDatabase.open(dir, 4)) {
            EmbeddedQueue queue = open(db);
            assertThat(append(queue, envelope(1, "c-1"))).isEqualTo("1");
            assertThat(append(queue, envelope(2, "c-1"))).isEqualTo("1");
            assertThat(java.util.Arrays.stream(queue.depths()).sum()).isEqualTo(1);
            queue.close();
            // After a restart the queued envelope's clientMsgId is still known...
            EmbeddedQueue reopened = open(db);
            assertThat(append(reopened, envelope(3, "c-1"))).isEqualTo("1");
            // ...and once stored, the messages table answers it.
            reopened.publishAckAndTake(0, 0, take(reopened, 0, 10).size(), List.of());
            try (Connection c = db.dataSource().getConnection();
                    Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO users (id, username, username_key, password_hash, created_at)"
                        + " VALUES (7, 'ann', 'ann', 'h', '2026-01-01 00:00:00')");
                s.executeUpdate(
                        "INSERT INTO rooms (id, name, created_by, created_at) VALUES (1, 'a', 7, '2026-01-01 00:00:00')");
                s.executeUpdate("INSERT INTO messages (id, room_id, seq, sender_id, sender_name, body, client_msg_id,"
                        + " created_at) VALUES (9, 1, 1, 7, 'ann', 'x', 'c-2', '2026-01-01 00:00:00')");
            }
            assertThat(append(reopened, envelope(4, "c-2"))).isEqualTo("9");
            assertThat(java.util.Arrays.stream(reopened.depths()).sum()).isZero();
            reopened.close();
        }
    }

    @Test
    void awaitReturnsWhenAnEnvelopeArrives() throws Exception {
        try (EmbeddedDatabase db = EmbeddedDatabase.open(dir, 4)) {
            EmbeddedQueue queue = open(db);
            CompletableFuture<Void> waiting =
                    CompletableFuture.runAsync(() -> queue.awaitEnvelope(1, Duration.ofSeconds(60)));
            append(queue, new QueueEnvelope("5", "b", "7", "ann", "hi", null, 1L), 1);
            waiting.get(30, TimeUnit.SECONDS);
            assertThat(take(queue, 1, 10)).hasSize(1);
            queue.close();
        }
    }

    private static List<String> take(EmbeddedQueue queue, int partition, int max) {
        return ((Taken.Batch) queue.publishAckAndTake(partition, max, 0, List.of())).envelopes();
    }

    private EmbeddedQueue open(EmbeddedDatabase db) throws Exception {
        return new EmbeddedQueue(
                db.dataSource(),
                PARTITIONS,
                100,
                (channel, frame) -> published.add(channel + "=" + new String(frame, StandardCharsets.UTF_8)),
                decoder);
    }

    private static QueueEnvelope envelope(int id, String clientMsgId) {
        return new QueueEnvelope(Integer.toString(id), "a", "7", "ann", "body " + id, clientMsgId, 1L);
    }

    private static String append(EmbeddedQueue queue, QueueEnvelope e) throws Exception {
        return append(queue, e, 0);
    }

    private static String append(EmbeddedQueue queue, QueueEnvelope e, int partition) throws Exception {
        CompletableFuture<String> acked = new CompletableFuture<>();
        queue.append(partition, e, Json.newMapper().writeValueAsString(e), (id, failure) -> {
            if (failure != null) {
                acked.completeExceptionally(failure);
            } else {
                acked.complete(id);
            }
        });
        return acked.get(30, TimeUnit.SECONDS);
    }

    private String idOf(String json) {
        return decoder.decode(json).orElseThrow().id();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
