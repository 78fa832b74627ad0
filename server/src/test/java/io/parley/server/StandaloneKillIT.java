package io.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.support.Rest;
import io.parley.server.support.StandaloneProcess;
import io.parley.testkit.Ports;
import io.parley.testkit.WsClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Standalone mode keeps "nothing acknowledged is lost" across a SIGKILL of the real {@code java -jar … standalone}
 * process mid-stream: after a restart on the same data directory, history has every acknowledged message exactly
 * once, with gapless seqs, and a retried clientMsgId is acknowledged with its original id.
 */
class StandaloneKillIT {
    private static final List<String> ROOMS = List.of("k1", "k2", "k3");
    private static final int WINDOW = 200;
    private static final String[] ENV = {"PARLEY_RATE_PER_SEC", "5000", "PARLEY_RATE_BURST", "5000"};

    @TempDir
    Path dataDir;

    @Test
    void aStandaloneProcessKilledMidStreamLosesNothingAcknowledged() throws Exception {
        int port = Ports.free();
        Rest.Account alice;
        Map<String, String> ackedIdByClientMsgId = new HashMap<>();
        AtomicInteger sent = new AtomicInteger();
        try (StandaloneProcess doomed = StandaloneProcess.start(dataDir, port, "doomed", ENV)) {
            refusesASecondProcessOnTheSameDirectory();
            alice = new Rest(port).newAccount("kill");
            try (WsClient a = WsClient.connect(port, alice.token())) {
                a.awaitType("ready");
                for (String room : ROOMS) {
                    a.reply(a.send("type", "join", "room", room));
                }
                // At most WINDOW sends unacknowledged, as a client would: a flood beyond the connection's bound of
                // held-back frames is closed by the server (PROTOCOL.md limits), which is not what this test is about.
                Semaphore window = new Semaphore(WINDOW);
                Thread sender = Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < 20_000; i++) {
                            window.acquire();
                            a.send("type", "send", "room", ROOMS.get(i % 3), "body", "n" + i, "clientMsgId", "c" + i);
                            sent.incrementAndGet();
                        }
                    } catch (RuntimeException | InterruptedException closed) {
                        // the process is gone: the stream ends here
                    }
                });
                // Kill while sends keep arriving: some stored, some only queued, some not yet acknowledged.
                for (int i = 0; i < 1_500; i++) {
                    record(
                            a.await(f -> f.path("type").asText().equals("ack"), Duration.ofSeconds(60)),
                            ackedIdByClientMsgId);
                    window.release();
                }
                doomed.kill();
                a.awaitClose();
                sender.interrupt();
                sender.join(TimeUnit.SECONDS.toMillis(30));
                a.drain("ack").forEach(f -> record(f, ackedIdByClientMsgId));
            }
        }
        assertThat(sent.get()).as("still sending when killed").isGreaterThan(ackedIdByClientMsgId.size());

        int port2 = Ports.free();
        try (StandaloneProcess restarted = StandaloneProcess.start(dataDir, port2, "restarted", ENV)) {
            Rest rest = new Rest(port2);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(500))
                    // While the restarted process stores what its queue held, a read may be answered 503
                    // "unavailable, try again" (as clients are told to): polled again, not a failure.
                    .ignoreExceptionsMatching(e -> e instanceof AssertionError
                            && String.valueOf(e.getMessage()).contains("\"unavailable\""))
                    .until(() -> storedIds(history(rest, alice.token())).containsAll(ackedIdByClientMsgId.values()));
            Map<String, List<JsonNode>> history = history(rest, alice.token());
            for (String room : ROOMS) {
                List<JsonNode> messages = history.get(room);
                for (int i = 0; i < messages.size(); i++) {
                    assertThat(messages.get(i).path("seq").asLong())
                            .as("gapless seqs in %s", room)
                            .isEqualTo(i + 1);
                }
            }
            List<String> ids = history.values().stream()
                    .flatMap(List::stream)
                    .map(m -> m.path("id").asText())
                    .toList();
            assertThat(new HashSet<>(ids)).as("every message once").hasSize(ids.size());
            List<String> clientMsgIds = history.values().stream()
                    .flatMap(List::stream)
                    .map(m -> m.path("clientMsgId").asText())
                    .toList();
            assertThat(new HashSet<>(clientMsgIds)).as("every clientMsgId once").hasSize(clientMsgIds.size());
            for (Map.Entry<String, String> acked : ackedIdByClientMsgId.entrySet()) {
                assertThat(ids).as("acknowledged %s", acked.getKey()).contains(acked.getValue());
            }

            // A retry after the restart is acknowledged with the original id and not stored again.
            String retried = ackedIdByClientMsgId.keySet().iterator().next();
            try (WsClient a = WsClient.connect(port2, alice.token())) {
                a.awaitType("ready");
                JsonNode ack = a.reply(a.send("type", "send", "room", "k1", "body", "again", "clientMsgId", retried));
                assertThat(ack.path("type").asText()).isEqualTo("ack");
                assertThat(ack.path("id").asText()).isEqualTo(ackedIdByClientMsgId.get(retried));
            }
            assertThat(storedIds(history(rest, alice.token()))).hasSize(ids.size());
        }
    }

    private void refusesASecondProcessOnTheSameDirectory() throws Exception {
        StandaloneProcess second = StandaloneProcess.launch(dataDir, Ports.free(), "second", ENV);
        assertThat(second.process().waitFor(60, TimeUnit.SECONDS))
                .as("second process exits")
                .isTrue();
        assertThat(second.process().exitValue()).isNotZero();
        assertThat(second.log())
                .contains("parley: data directory " + dataDir.toAbsolutePath())
                .contains("in use by another Parley process");
    }

    private static void record(JsonNode ack, Map<String, String> ackedIdByClientMsgId) {
        ackedIdByClientMsgId.put(
                ack.path("clientMsgId").asText(), ack.path("id").asText());
    }

    /** Every room's whole history, oldest first, paged with {@code after}. */
    private static Map<String, List<JsonNode>> history(Rest rest, String token) {
        Map<String, List<JsonNode>> all = new HashMap<>();
        for (String room : ROOMS) {
            List<JsonNode> messages = new ArrayList<>();
            long after = 0;
            while (true) {
                Rest.Reply page = rest.get("/api/rooms/" + room + "/messages?after=" + after + "&limit=100", token);
                assertThat(page.status())
                        .as("history of %s: %s", room, page.body())
                        .isEqualTo(200);
                page.body().path("messages").forEach(messages::add);
                if (!page.body().path("hasMore").asBoolean()
                        || page.body().path("messages").isEmpty()) {
                    break;
                }
                after = messages.get(messages.size() - 1).path("seq").asLong();
            }
            all.put(room, messages);
        }
        return all;
    }

    private static Set<String> storedIds(Map<String, List<JsonNode>> history) {
        Set<String> ids = new HashSet<>();
        history.values().forEach(list -> list.forEach(m -> ids.add(m.path("id").asText())));
        return ids;
    }
}
