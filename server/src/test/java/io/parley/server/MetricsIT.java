package io.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.parley.server.support.Exposition;
import io.parley.server.support.Rest;
import io.parley.server.support.Stack;
import io.parley.testkit.Ports;
import io.parley.testkit.WsClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Scrapes the {@code /metrics} of a real replica process and a real worker process, checks both with promtool, and
 * checks that the latency histograms move with real traffic; both processes log JSON lines tagged with their id.
 */
class MetricsIT {
    private static final int MESSAGES = 20;
    private static final String RUN = Long.toString(System.nanoTime(), 36);
    private static final String SERVER_ID = "metrics-" + RUN;
    private static final String WORKER_ID = "metrics-worker-" + RUN;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static Stack stack;
    private static int serverPort;
    private static int workerPort;

    @BeforeAll
    static void start() throws Exception {
        stack = new Stack();
        serverPort = Ports.free();
        workerPort = Ports.free();
        stack.startServerProcess(SERVER_ID, serverPort, "PARLEY_LOG_FORMAT", "json");
        stack.startWorker(
                WORKER_ID, "PARLEY_WORKER_HTTP_PORT", Integer.toString(workerPort), "PARLEY_LOG_FORMAT", "json");
        Awaitility.await()
                .atMost(Duration.ofSeconds(90))
                .ignoreExceptions()
                .until(() -> get(serverPort, "/readyz").statusCode() == 200
                        && get(workerPort, "/healthz").statusCode() == 200);
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Exposition scrape(int port) throws IOException, InterruptedException {
        HttpResponse<String> response = get(port, "/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
        return Exposition.check(response.body());
    }

    @Test
    void bothProcessesExposeValidMetricsWhoseHistogramsMoveWithTraffic() throws Exception {
        Exposition server0 = scrape(serverPort);
        Exposition worker0 = scrape(workerPort);
        for (Exposition e : List.of(server0, worker0)) {
            assertThat(e.series("jvm_memory_used_bytes")).isNotEmpty();
            assertThat(e.series("jvm_gc_collection_seconds_count")).isNotEmpty();
            assertThat(e.series("jvm_threads_current")).isNotEmpty();
        }

        Rest rest = new Rest(serverPort);
        Rest.Account alice = rest.newAccount("meter");
        Rest.Account bob = rest.newAccount("reader");
        String room = "metered-" + RUN;
        try (WsClient a = WsClient.joined(serverPort, alice.token(), room);
                WsClient b = WsClient.joined(serverPort, bob.token(), room)) {
            for (int i = 0; i < MESSAGES; i++) {
                assertThat(a.reply(a.send("type", "send", "room", room, "body", "m" + i))
                                .path("type")
                                .asText())
                        .isEqualTo("ack");
            }
            for (int i = 0; i < MESSAGES; i++) {
                b.awaitType("message");
            }
        }

        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Exposition server = scrape(serverPort);
            assertThat(server.value("parley_send_ack_seconds_count"))
                    .isEqualTo(server0.value("parley_send_ack_seconds_count") + MESSAGES)
                    .isEqualTo(server.value("parley_send_ack_seconds_bucket{le=\"+Inf\"}"));
            assertThat(server.value("parley_send_ack_seconds_sum")).isPositive();
            assertThat(server.value("parley_message_delivery_seconds_count"))
                    .isGreaterThanOrEqualTo(server0.value("parley_message_delivery_seconds_count") + MESSAGES);
            assertThat(server.value("parley_fanout_delay_seconds_count"))
                    .isGreaterThan(server0.value("parley_fanout_delay_seconds_count"));
            assertThat(server.value("parley_fanout_batch_deliveries_sum"))
                    .isGreaterThanOrEqualTo(server0.value("parley_fanout_batch_deliveries_sum") + 2 * MESSAGES);
            assertThat(server.value("parley_http_request_duration_seconds_count{route=\"/api/auth/register\"}"))
                    .isGreaterThanOrEqualTo(2);
            assertThat(server.value("parley_ws_frames_in_total{type=\"send\"}")).isEqualTo(MESSAGES);
            assertThat(server.value("parley_ws_frames_out_total{type=\"ack\"}")).isEqualTo(MESSAGES);
            assertThat(server.value("parley_ws_frames_out_total{type=\"message\"}"))
                    .isGreaterThanOrEqualTo(2 * MESSAGES);
            assertThat(server.value("parley_ready")).isEqualTo(1);
            assertThat(server.has("parley_queue_depth{partition=\"0\"}")).isTrue();

            Exposition worker = scrape(workerPort);
            for (String histogram :
                    List.of("parley_worker_queue_wait_seconds", "parley_worker_enqueue_to_publish_seconds")) {
                assertThat(worker.value(histogram + "_count"))
                        .as(histogram)
                        .isGreaterThanOrEqualTo(worker0.value(histogram + "_count") + MESSAGES);
            }
            for (String histogram : List.of(
                    "parley_worker_store_seconds", "parley_worker_publish_seconds", "parley_worker_round_envelopes")) {
                assertThat(worker.value(histogram + "_count"))
                        .as(histogram)
                        .isGreaterThan(worker0.value(histogram + "_count"));
            }
            assertThat(worker.value("parley_worker_messages_stored_total")).isGreaterThanOrEqualTo(MESSAGES);
            assertThat(worker.value("parley_worker_partitions_held")).isEqualTo(8);
            assertThat(worker.value("parley_worker_lease_changes_total{change=\"acquired\"}"))
                    .isGreaterThanOrEqualTo(8);
            assertThat(worker.value("parley_worker_healthy")).isEqualTo(1);
            assertThat(worker.value("parley_worker_dependency_down{dependency=\"Redis\"}"))
                    .isZero();
        });
        assertThat(get(workerPort, "/healthz").body()).contains("ok");
        assertThat(get(workerPort, "/nothing").statusCode()).isEqualTo(404);

        for (String[] process : List.of(new String[] {"server", SERVER_ID}, new String[] {"worker", WORKER_ID})) {
            assertJsonLogs(Path.of("target", process[0] + "-" + process[1] + ".log"), process[1], alice);
        }
    }

    /** Every line the process logged is one JSON object naming the process; no secret appears anywhere. */
    private static void assertJsonLogs(Path log, String id, Rest.Account account) throws IOException {
        String text = Files.readString(log);
        assertThat(text).doesNotContain(account.password()).doesNotContain(account.token());
        ObjectMapper mapper = new ObjectMapper();
        List<String> lines = text.lines()
                .filter(l -> !l.isBlank() && !l.startsWith("WARNING: ")) // the JVM's own warnings, not ours
                .toList();
        assertThat(lines).isNotEmpty();
        for (String line : lines) {
            JsonNode event = mapper.readTree(line);
            assertThat(event.path("level").asText()).as(line).isNotEmpty();
            assertThat(event.path("formattedMessage").asText()).as(line).isNotEmpty();
            assertThat(event.path("context").path("properties").path("instance").asText())
                    .as(line)
                    .isEqualTo(id);
        }
    }
}
