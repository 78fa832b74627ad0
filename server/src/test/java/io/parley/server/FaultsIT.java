package io.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.support.Rest;
import io.parley.server.support.Stack;
import io.parley.testkit.PrivateRedis;
import io.parley.testkit.WsClient;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Dead Redis, unreachable database, slow readers and shutdown: clear errors, the process stays up, nothing lost. */
class FaultsIT {
    private Stack stack;

    @BeforeEach
    void start() {
        stack = new Stack();
    }

    @AfterEach
    void stop() {
        stack.close();
    }

    @Test
    void sendAnswersUnavailableWhileRedisIsDownAndWorksAgainAfter() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            String url = redis.uri().toString();
            int port = stack.startServer("faulty", "PARLEY_REDIS_URL", url).port();
            Process worker = stack.startWorker("faulty-worker", "PARLEY_REDIS_URL", url);
            assertThat(worker.isAlive()).isTrue();
            Rest rest = new Rest(port);
            Rest.Account a = rest.newAccount("fault");
            try (WsClient c = WsClient.connect(port, a.token())) {
                c.awaitType("ready");
                c.reply(c.send("type", "join", "room", "fragile"));
                redis.kill();
                c.expectError(c.send("type", "send", "room", "fragile", "body", "lost?"), "unavailable");
                Rest.Reply ready = rest.get("/readyz", null);
                assertThat(ready.status()).isEqualTo(503);
                assertThat(ready.body().path("redis").asText()).isEqualTo("down");
                assertThat(ready.body().path("db").asText()).isEqualTo("up");
                assertThat(ready.body().path("status").asText()).isEqualTo("unavailable");

                redis.start();
                Awaitility.await()
                        .atMost(Duration.ofSeconds(20))
                        .until(() -> rest.get("/readyz", null).status() == 200);
                // The subscriber reconnects with backoff; keep sending until the stored message comes back live.
                JsonNode ack = null;
                for (int i = 0; i < 40 && ack == null; i++) {
                    JsonNode reply =
                            c.reply(c.send("type", "send", "room", "fragile", "body", "back", "clientMsgId", "b"));
                    ack = reply.path("type").asText().equals("ack") ? reply : null;
                }
                assertThat(ack).isNotNull();
                assertThat(c.await(f -> f.path("type").asText().equals("message"), Duration.ofSeconds(20))
                                .path("body")
                                .asText())
                        .isEqualTo("back");
            }
            assertThat(worker.isAlive()).as("the worker survives the outage").isTrue();
        }
    }

    @Test
    void restAnswers503WhenTheDatabaseIsUnreachable() throws Exception {
        int port = stack.startServer(
                        "no-db", "PARLEY_DB_URL", "jdbc:mysql://127.0.0.1:1/parley", "PARLEY_MIGRATE", "false")
                .port();
        Rest rest = new Rest(port);
        Rest.Reply register = rest.register("nodb_user", "long enough");
        assertThat(register.status()).isEqualTo(503);
        assertThat(register.errorCode()).isEqualTo("unavailable");
        Rest.Reply ready = rest.get("/readyz", null);
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.body().path("db").asText()).isEqualTo("down");
        assertThat(rest.get("/healthz", null).status()).isEqualTo(200);
    }

    @Test
    void aClientThatDoesNotReadIsDisconnectedAndOthersCarryOn() throws Exception {
        int port = stack.startServer("slow", "PARLEY_RATE_PER_SEC", "100000", "PARLEY_RATE_BURST", "100000")
                .port();
        stack.startWorker("slow-worker");
        Rest rest = new Rest(port);
        Rest.Account sender = rest.newAccount("fast");
        Rest.Account sloth = rest.newAccount("sloth");
        try (WsClient s = WsClient.connect(port, sender.token());
                WsClient slow = WsClient.connectNotReading(port, sloth.token())) {
            s.awaitType("ready");
            s.reply(s.send("type", "join", "room", "firehose"));
            // sloth joins through a second, reading connection; the non-reading one follows the membership
            try (WsClient helper = WsClient.connect(port, sloth.token())) {
                helper.awaitType("ready");
                helper.reply(helper.send("type", "join", "room", "firehose"));
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> rest.wsConnections() == 2);
            String body = "x".repeat(3900);
            for (int i = 0; i < 2000 && rest.wsConnections() > 1; i++) {
                s.send("type", "send", "room", "firehose", "body", body);
                if (i % 100 == 99) {
                    s.await(f -> f.path("type").asText().equals("message"), Duration.ofSeconds(30));
                }
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> rest.wsConnections() == 1);
            assertThat(s.reply(s.send("type", "ping")).path("type").asText()).isEqualTo("pong");
        }
    }

    @Test
    void shutdownClosesWith1001AndLosesNothingAcknowledged() throws Exception {
        ServerMain server =
                stack.startServer("leaving", "PARLEY_RATE_PER_SEC", "100000", "PARLEY_RATE_BURST", "100000");
        Rest rest = new Rest(server.port());
        Rest.Account a = rest.newAccount("leaver");
        Set<String> acked = new HashSet<>();
        try (WsClient c = WsClient.connect(server.port(), a.token())) {
            c.awaitType("ready");
            c.reply(c.send("type", "join", "room", "exit"));
            for (int i = 0; i < 500; i++) {
                c.send("type", "send", "room", "exit", "body", "m" + i);
            }
            acked.add(c.await(f -> f.path("type").asText().equals("ack"))
                    .path("id")
                    .asText());
            Thread shutdown = new Thread(server::close);
            shutdown.start();
            assertThat(c.awaitClose()).isEqualTo(1001);
            shutdown.join(30_000);
            c.drain("ack").forEach(f -> acked.add(f.path("id").asText()));
        }
        assertThat(acked).isNotEmpty();
        // Stored only once a worker runs: acknowledged means queued, and the queue outlives the replica.
        stack.startWorker("after-shutdown");
        var db = stack.services().database();
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            try (Connection conn = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
                    Statement st = conn.createStatement();
                    ResultSet rs = st.executeQuery("SELECT id FROM messages")) {
                Set<String> stored = new HashSet<>();
                while (rs.next()) {
                    stored.add(rs.getString(1));
                }
                assertThat(stored).containsAll(acked);
            }
        });
    }
}
