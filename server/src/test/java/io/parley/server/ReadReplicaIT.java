package io.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.support.PrivateMariaDb;
import io.parley.server.support.Rest;
import io.parley.server.support.Stack;
import io.parley.testkit.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * History and the room directory with {@code PARLEY_DB_READ_URL} on a real MariaDB replica that follows a real
 * primary by binlog, both private processes on loopback: reads go to the replica when it has what they ask, to the
 * primary when the replica lags behind it (no gap, no short page) or is down (no error). Which pool answered is told
 * by the {@code parley_db_reads} metric and, where it matters, by a body changed on the replica alone.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReadReplicaIT {
    private static final String DB = "parley_replica_it";
    private static final String MARK = "changed on the replica only";
    private static final Duration CATCH_UP = Duration.ofSeconds(30);
    private static final Pattern SAMPLE = Pattern.compile(
            "^parley_db_reads_total\\{pool=\"([a-z]+)\",reason=\"([a-z_]+)\"} ([0-9.eE+]+)$", Pattern.MULTILINE);

    private static PrivateMariaDb primary;
    private static PrivateMariaDb replica;
    private static Stack stack;
    private static Rest rest;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        primary = PrivateMariaDb.primary();
        replica = PrivateMariaDb.replicaOf(primary);
        stack = new Stack();
        String[] database = {
            "PARLEY_DB_URL", "jdbc:mysql://127.0.0.1:" + primary.port() + "/" + DB,
            "PARLEY_DB_USER", "root",
            "PARLEY_DB_PASSWORD", ""
        };
        port = stack.startServer(
                        "replica-reader",
                        concat(database, "PARLEY_DB_READ_URL", "jdbc:mysql://127.0.0.1:" + replica.port() + "/" + DB))
                .port();
        stack.startWorker("replica-worker", concat(database, "PARLEY_WORKER_HTTP_PORT", "0"));
        rest = new Rest(port);
    }

    @AfterAll
    static void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
        if (replica != null) {
            replica.close();
        }
        if (primary != null) {
            primary.close();
        }
    }

    @Test
    @Order(1)
    void readsHistoryAndTheRoomDirectoryFromTheReplicaWhenItIsCurrent() throws Exception {
        try (Chat chat = Chat.withMessages("current", 3, true)) {
            Rest.Account a = chat.account();
            String room = chat.room();
            WsClient c = chat.client();

            Reads before = Reads.now();
            assertPage(restHistory(a, room, ""), 1, 3, false, MARK);
            assertPage(wsHistory(c, room, null, null, 50), 1, 3, false, MARK);
            assertThat(lastSeqListed(a, room)).isEqualTo(3);
            Reads after = Reads.now();
            assertThat(after.minus(before, "replica", "current")).isEqualTo(3);
            assertThat(after.minus(before, "primary", "replica_behind")).isZero();
            assertThat(after.minus(before, "primary", "replica_down")).isZero();
        }
    }

    @Test
    @Order(2)
    void readsFromThePrimaryWhatALaggingReplicaHasNotApplied() throws Exception {
        try (Chat chat = Chat.withMessages("lagging", 5, true)) {
            Rest.Account a = chat.account();
            String room = chat.room();
            WsClient c = chat.client();
            replica.execute("STOP SLAVE SQL_THREAD");
            try {
                sendAndSee(c, room, 6, 10); // stored and delivered; the replica stays at seq 5
                Reads start = Reads.now();

                // The newest page depends on the room's newest seq: the primary, whole and gapless.
                JsonNode newest = restHistory(a, room, "");
                assertPage(newest, 1, 10, false);
                assertThat(newest.path("messages").get(0).path("body").asText()).isEqualTo("m1");
                assertPage(wsHistory(c, room, null, null, 50), 1, 10, false);
                // after=5 asks beyond what the replica has applied.
                assertPage(restHistory(a, room, "?after=5"), 6, 10, false);
                assertPage(wsHistory(c, room, null, 5L, 50), 6, 10, false);
                // after=2&limit=3: the replica has seqs 3..5 but not the 6th that says hasMore.
                assertPage(restHistory(a, room, "?after=2&limit=3"), 3, 5, true);
                // before=8&limit=3 needs seq 7.
                assertPage(restHistory(a, room, "?before=8&limit=3"), 5, 7, true);
                // The directory shows the room at the seq this server delivered, not the replica's 5.
                assertThat(lastSeqListed(a, room)).isEqualTo(10);
                Reads behind = Reads.now();
                assertThat(behind.minus(start, "primary", "replica_behind")).isEqualTo(7);
                assertThat(behind.minus(start, "replica", "current")).isZero();

                // Pages wholly below the replica's position still come from it while it lags.
                assertPage(restHistory(a, room, "?after=0&limit=3"), 1, 3, true, MARK);
                assertPage(wsHistory(c, room, 4L, null, 3), 1, 3, false, MARK);
                assertThat(Reads.now().minus(behind, "replica", "current")).isEqualTo(2);
            } finally {
                replica.execute("START SLAVE SQL_THREAD");
            }
            replica.awaitCaughtUp(primary, CATCH_UP);
            Reads caughtUp = Reads.now();
            assertPage(restHistory(a, room, ""), 1, 10, false, MARK);
            assertThat(Reads.now().minus(caughtUp, "replica", "current")).isEqualTo(1);
        }
    }

    @Test
    @Order(3)
    void servesFromThePrimaryWhileTheReplicaIsDownAndReturnsToItAfter() throws Exception {
        try (Chat chat = Chat.withMessages("down", 2, false)) {
            Rest.Account a = chat.account();
            String room = chat.room();
            WsClient c = chat.client();
            replica.kill();
            Reads start = Reads.now();
            long t0 = System.nanoTime();
            assertPage(restHistory(a, room, ""), 1, 2, false);
            assertPage(wsHistory(c, room, null, null, 50), 1, 2, false);
            assertThat(lastSeqListed(a, room)).isEqualTo(2);
            sendAndSee(c, room, 3, 3);
            assertPage(restHistory(a, room, "?after=2"), 3, 3, false);
            long millis = Duration.ofNanos(System.nanoTime() - t0).toMillis();
            Reads down = Reads.now();
            assertThat(down.minus(start, "primary", "replica_down")).isEqualTo(4);
            assertThat(down.minus(start, "replica", "current")).isZero();
            assertThat(metric("parley_db_replica_up")).isEqualTo(0);
            assertThat(millis)
                    .as("a dead replica costs reads at most its short connect timeout, not the primary pool's 5 s")
                    .isLessThan(4_000);

            replica.start();
            replica.awaitCaughtUp(primary, CATCH_UP);
            Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                Reads before = Reads.now();
                assertPage(restHistory(a, room, ""), 1, 3, false);
                assertThat(Reads.now().minus(before, "replica", "current")).isEqualTo(1);
            });
            assertThat(metric("parley_db_replica_up")).isEqualTo(1);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** A user in a new room of its own with messages m1..mN stored, delivered and on the replica. */
    private record Chat(Rest.Account account, String room, WsClient client) implements AutoCloseable {
        /** {@code mark}: seq 1's body is then {@link #MARK} on the replica alone. */
        static Chat withMessages(String prefix, int messages, boolean mark) throws Exception {
            Rest.Account a = rest.newAccount(prefix);
            String room = newRoom(a);
            WsClient c = WsClient.connect(port, a.token());
            sendAndSee(c, room, 1, messages);
            replica.awaitCaughtUp(primary, CATCH_UP);
            if (mark) {
                markOnReplica(room, 1);
            }
            return new Chat(a, room, c);
        }

        @Override
        public void close() {
            client.close();
        }
    }

    private static String newRoom(Rest.Account a) {
        String room = "replica-" + UUID.randomUUID().toString().substring(0, 8);
        Rest.Reply created = rest.post("/api/rooms", a.token(), Rest.json("name", room));
        assertThat(created.status()).isEqualTo(201);
        return room;
    }

    /** Sends m{from}..m{to} and waits until each arrives live with its seq: stored on the primary and delivered. */
    private static void sendAndSee(WsClient c, String room, int from, int to) {
        for (int i = from; i <= to; i++) {
            String ref = c.send("type", "send", "room", room, "body", "m" + i);
            assertThat(c.reply(ref).path("type").asText()).isEqualTo("ack");
        }
        for (int i = from; i <= to; i++) {
            long seq = i;
            JsonNode m = c.await(f -> f.path("type").asText().equals("message")
                    && f.path("room").asText().equals(room)
                    && f.path("seq").asLong() == seq);
            assertThat(m.path("body").asText()).isEqualTo("m" + i);
        }
    }

    private static void markOnReplica(String room, long seq) throws Exception {
        // Root may write past read_only; messages are never updated by replication, so this row stays as set here.
        replica.execute("UPDATE " + DB + ".messages m JOIN " + DB + ".rooms r ON r.id = m.room_id SET m.body = '" + MARK
                + "' WHERE r.name = '" + room + "' AND m.seq = " + seq);
    }

    private static JsonNode restHistory(Rest.Account a, String room, String query) {
        Rest.Reply r = rest.get("/api/rooms/" + room + "/messages" + query, a.token());
        assertThat(r.status()).as("history %s: %s", query, r.body()).isEqualTo(200);
        return r.body();
    }

    private static JsonNode wsHistory(WsClient c, String room, Long before, Long after, int limit) {
        var frame = WsClient.frame("history", "h-" + UUID.randomUUID())
                .put("room", room)
                .put("limit", limit);
        if (before != null) {
            frame.put("before", before);
        }
        if (after != null) {
            frame.put("after", after);
        }
        c.send(frame);
        JsonNode reply = c.reply(frame.path("ref").asText());
        assertThat(reply.path("type").asText()).as("%s", reply).isEqualTo("history");
        return reply;
    }

    /** The page holds exactly seqs from..to in order, with their bodies, and the expected hasMore. */
    private static void assertPage(JsonNode page, long from, long to, boolean hasMore) {
        List<Long> seqs = new ArrayList<>();
        page.path("messages").forEach(m -> seqs.add(m.path("seq").asLong()));
        List<Long> expected = new ArrayList<>();
        for (long s = from; s <= to; s++) {
            expected.add(s);
        }
        assertThat(seqs).as("%s", page).isEqualTo(expected);
        assertThat(page.path("hasMore").asBoolean()).as("hasMore of %s", page).isEqualTo(hasMore);
    }

    /** As above, and seq 1 reads {@code firstBody}: {@link #MARK} shows that the replica answered. */
    private static void assertPage(JsonNode page, long from, long to, boolean hasMore, String firstBody) {
        assertPage(page, from, to, hasMore);
        assertThat(page.path("messages").get(0).path("body").asText())
                .as("body of seq 1 (%s: read from the replica)", MARK)
                .isEqualTo(firstBody);
    }

    private static long lastSeqListed(Rest.Account a, String room) {
        Rest.Reply r = rest.get("/api/rooms", a.token());
        assertThat(r.status()).isEqualTo(200);
        for (JsonNode listed : r.body().path("rooms")) {
            if (listed.path("name").asText().equals(room)) {
                return listed.path("lastSeq").asLong();
            }
        }
        throw new AssertionError(room + " not listed: " + r.body());
    }

    private static double metric(String name) {
        String text = rest.get("/metrics", null).raw().body();
        Matcher m = Pattern.compile("^" + name + " ([0-9.eE+]+)$", Pattern.MULTILINE)
                .matcher(text);
        assertThat(m.find()).as("%s in /metrics", name).isTrue();
        return Double.parseDouble(m.group(1));
    }

    /** The {@code parley_db_reads_total} counters at one moment. */
    private record Reads(Map<String, Double> byRoute) {
        static Reads now() {
            String text = rest.get("/metrics", null).raw().body();
            Map<String, Double> counts = new HashMap<>();
            Matcher m = SAMPLE.matcher(text);
            while (m.find()) {
                counts.put(m.group(1) + "/" + m.group(2), Double.parseDouble(m.group(3)));
            }
            return new Reads(counts);
        }

        long minus(Reads earlier, String pool, String reason) {
            String key = pool + "/" + reason;
            return Math.round(byRoute.getOrDefault(key, 0.0) - earlier.byRoute.getOrDefault(key, 0.0));
        }
    }

    private static String[] concat(String[] base, String... more) {
        String[] all = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }
}
