package io.parley.server.support;

import java.io.File;
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
    private final Process process;
    private final int port;
    private final Path log;

    private StandaloneProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts the process and waits until it answers {@code /healthz}. */
    public static StandaloneProcess start(Path dataDir, int port, String name, String... env) throws IOException {
        StandaloneProcess p = launch(dataDir, port, name, env);
        HttpClient http = HttpClient.newHttpClient();
        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!p.process.isAlive()) {
                throw new AssertionError("standalone exited with " + p.process.exitValue() + "; see " + p.log);
            }
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            }
        });
        return p;
    }

    /** Starts the process without waiting for it; its output goes to target/standalone-NAME.log. */
    public static StandaloneProcess launch(Path dataDir, int port, String name, String... env) throws IOException {
        Path jar = Path.of("target", "parley-server.jar").toAbsolutePath();
        if (!Files.exists(jar)) {
            throw new IllegalStateException("package the server first: " + jar);
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xmx256m", "-jar", jar.toString(), "standalone"));
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.startsWith("PARLEY_"));
        e.put("PARLEY_DATA_DIR", dataDir.toString());
        e.put("PARLEY_HTTP_PORT", Integer.toString(port));
        e.put("PARLEY_JWT_SECRET", Stack.SECRET);
        e.put("PARLEY_BCRYPT_COST", "4");
        for (int i = 0; i < env.length; i += 2) {
            e.put(env[i], env[i + 1]);
        }
        Path log = Path.of("target", "standalone-" + name + ".log");
        File logFile = log.toFile();
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile));
        return new StandaloneProcess(pb.start(), port, log);
    }

    public int port() {
        return port;
    }

    public Process process() {
        return process;
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed by the process. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
