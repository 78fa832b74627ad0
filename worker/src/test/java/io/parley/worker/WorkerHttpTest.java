package io.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class WorkerHttpTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(WorkerHttp server, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesMetricsAndAHealthThatFollowsTheWorker() throws Exception {
        Metrics metrics = new Metrics();
        metrics.recordBatch(3, 2, 1, 0);
        AtomicBoolean healthy = new AtomicBoolean(true);
        try (WorkerHttp server = new WorkerHttp(0, metrics.registry(), healthy::get, "http-test")) {
            HttpResponse<String> scrape = get(server, "/metrics");
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.body()).contains("parley_worker_messages_stored_total 2.0", "jvm_memory_used_bytes");
            assertThat(get(server, "/healthz").statusCode()).isEqualTo(200);
            healthy.set(false);
            HttpResponse<String> sick = get(server, "/healthz");
            assertThat(sick.statusCode()).isEqualTo(503);
            assertThat(sick.body()).contains("unhealthy");
            assertThat(get(server, "/other").statusCode()).isEqualTo(404);
        }
    }
}
