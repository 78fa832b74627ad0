package io.parley.load.it;

import static org.awaitility.Awaitility.await;

import io.parley.infra.TestServices;
import io.parley.testkit.ManagedProcess;
import io.parley.testkit.Ports;
import java.io.IOException;
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

/** One real server and one real worker (the shaded jars) on an isolated database and Redis prefix. */
final class LocalStack implements AutoCloseable {
    private final TestServices.Isolated services = TestServices.isolated();
    private final List<ManagedProcess> processes = new ArrayList<>();
    private final Map<String, String> env = new HashMap<>(services.env());
    private final int port;

    LocalStack(String name) throws IOException {
        this.port = Ports.free();
        env.put("PARLEY_HTTP_PORT", Integer.toString(port));
        env.put("PARLEY_JWT_SECRET", UUID.randomUUID() + "-" + UUID.randomUUID());
        env.put("PARLEY_SERVER_ID", name + "-server");
        env.put("PARLEY_WORKER_ID", name + "-worker");
        // Registration is not under test here: the cheapest bcrypt the server allows keeps setup fast.
        env.put("PARLEY_BCRYPT_COST", "4");
        env.put("PARLEY_LOGIN_RATE_LIMIT", "100000");
        Path logs = Path.of("target", "it-logs");
        try {
            processes.add(
                    start(name + "-server", jar("parley.server.jar", "../server/target/parley-server.jar"), logs));
            awaitReady();
            processes.add(
                    start(name + "-worker", jar("parley.worker.jar", "../worker/target/parley-worker.jar"), logs));
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
        return processes.getFirst().process().pid();
    }

    private static Path jar(String property, String fallback) {
        Path jar = Path.of(System.getProperty(property, fallback));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(property + ": " + jar.toAbsolutePath() + " (expected: the built jar)");
        }
        return jar;
    }

    private ManagedProcess start(String name, Path jar, Path logs) throws IOException {
        return ManagedProcess.start(
                name, ManagedProcess.javaJar(List.of("-Xmx512m"), jar), env, logs.resolve(name + ".log"));
    }

    private void awaitReady() {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                .timeout(Duration.ofSeconds(2))
                .build();
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> {
                    if (!processes.getFirst().isAlive()) {
                        throw new IllegalStateException("server exited with "
                                + processes.getFirst().process().exitValue());
                    }
                    return http.send(ready, HttpResponse.BodyHandlers.discarding())
                                    .statusCode()
                            == 200;
                });
    }

    @Override
    public void close() throws InterruptedException {
        processes.reversed().forEach(ManagedProcess::close);
        services.dropDatabase();
    }
}
