package io.parley.worker;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The worker's HTTP endpoints for Prometheus and probes: {@code /metrics} and {@code /healthz} (200 or 503). */
final class WorkerHttp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WorkerHttp.class);

    private final HttpServer server;
    private final ExecutorService executor;

    WorkerHttp(int port, PrometheusRegistry registry, BooleanSupplier healthy, String workerId) throws IOException {
        requireNonNull(registry, "registry");
        requireNonNull(healthy, "healthy");
        this.server = HttpServer.create(new InetSocketAddress(port), 16);
        // One thread: scrapes and probes are rare, and they must not compete with the batch loop.
        this.executor = Executors.newSingleThreadExecutor(Thread.ofPlatform()
                .daemon()
                .name("parley-" + workerId + "-http")
                .factory());
        server.setExecutor(executor);
        server.createContext("/metrics", new MetricsHandler(registry));
        server.createContext("/healthz", exchange -> {
            boolean ok = healthy.getAsBoolean();
            reply(exchange, ok ? 200 : 503, ok ? "{\"status\":\"ok\"}" : "{\"status\":\"unhealthy\"}");
        });
        server.createContext("/", exchange -> reply(exchange, 404, "{\"error\":\"not_found\"}"));
        server.start();
        log.info("Serving /metrics and /healthz on port {}", port());
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void reply(HttpExchange exchange, int status, String json) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(status, head ? -1 : body.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
