package io.parley.server.support;

import io.parley.testkit.ManagedProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;

/** A real {@code java -jar parley-server.jar standalone} process on a data directory, for tests that SIGKILL it. */
public final class StandaloneProcess implements AutoCloseable {
    private final ManagedProcess process;
    private final int port;

    private StandaloneProcess(ManagedProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts the process and waits until it answers {@code /healthz}. */
    public static StandaloneProcess start(Path dataDir, int port, String name, String... env) throws IOException {
        StandaloneProcess p = launch(dataDir, port, name, env);
        HttpClient http = HttpClient.newHttpClient();
        Awaitility.await()
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!p.process.isAlive()) {
                        throw new AssertionError("standalone exited with "
                                + p.process.process().exitValue() + "; see " + p.process.log());
                    }
                    try {
                        return http.send(
                                                HttpRequest.newBuilder(
                                                                URI.create("http://127.0.0.1:" + port + "/healthz"))
                                                        .build(),
                                                HttpResponse.BodyHandlers.discarding())
                                        .statusCode()
                                == 200;
                    } catch (IOException e) {
                        return false;
                    }
                });
        return p;
    }

    /** Starts the process without waiting for it; its output goes to target/standalone-NAME.log. */
    public static StandaloneProcess launch(Path dataDir, int port, String name, String... env) throws IOException {
        Map<String, String> e = StandaloneInstance.env(dataDir, port, env);
        List<String> command =
                ManagedProcess.javaJar(List.of("-Xmx256m"), Path.of("target", "parley-server.jar"), "standalone");
        return new StandaloneProcess(
                ManagedProcess.start(
                        "standalone-" + name, command, e, Path.of("target", "standalone-" + name + ".log")),
                port);
    }

    public int port() {
        return port;
    }

    public Process process() {
        return process.process();
    }

    public String log() throws IOException {
        return Files.readString(process.log());
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed by the process. */
    public void kill() throws InterruptedException {
        process.kill();
    }

    @Override
    public void close() {
        process.close();
    }
}
