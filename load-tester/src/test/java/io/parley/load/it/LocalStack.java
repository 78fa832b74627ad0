package io.parley.load.it;

import static org.awaitility.Awaitility.await;

import io.parley.infra.TestServices;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** One real server and one real worker (the shaded jars) on an isolated database and Redis prefix. */
final class LocalStack implements AutoCloseable {
    private final TestServices.Isolated services = TestServices.isolated();
    private final List<Process> processes = new ArrayList<>();
    private final Map<String, String> env = new HashMap<>(services.env());
    private final int port;

    LocalStack(String name) throws IOException {
        this.port = freePort();
        env.put("PARLEY_HTTP_PORT", Integer.toString(port));
        env.put("PARLEY_JWT_SECRET", UUID.randomUUID() + "-" + UUID.randomUUID());
        env.put("PARLEY_SERVER_ID", name + "-server");
        env.put("PARLEY_WORKER_ID", name + "-worker");
        // Registration is not under test here: the cheapest bcrypt the server allows keeps setup fast.
        env.put("PARLEY_BCRYPT_COST", "4");
        env.put("PARLEY_LOGIN_RATE_LIMIT", "100000");
        Path logs = Path.of("target", "it-logs");
        Files.createDirectories(logs);
        try {
            processes.add(start(jar("parley.server.jar", "../server/target/parley-server.jar"),
                    logs.resolve(name + "-server.log")));
            awaitReady();
            processes.add(start(jar("parley.worker.jar", "../worker/target/parley-worker.jar"),
                    logs.resolve(name + "-worker.log")));
        } catch (RuntimeException | IOException e) {
            try {
                close();
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            throw e;
        }
    }

    String target() {
        return "ws://127.0.0.1:" + port + "/ws";
    }

    String jdbcUrl() {
        return services.database().jdbcUrl();
    }

    String dbUser() {
        return services.database().user();
    }

    String dbPassword() {
        return services.database().password();
    }

    long serverPid() {
        return processes.getFirst().pid();
    }

    private static Path jar(String property, String fallback) {
        Path jar = Path.of(System.getProperty(property, fallback));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(property + ": " + jar.toAbsolutePath() + " (expected: the built jar)");
        }
        return jar;
    }

    private Process start(Path jar, Path log) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-jar", jar.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    private void awaitReady() {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                .timeout(Duration.ofSeconds(2)).build();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
            if (!processes.getFirst().isAlive()) {
                throw new IllegalStateException("server exited with " + processes.getFirst().exitValue());
            }
            return http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        });
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : processes.reversed()) {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
        services.dropDatabase();
    }
}
