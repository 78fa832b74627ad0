package io.parley.server.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;

/** A redis-server of a test's own on a free port, so that killing it touches nobody else. */
public final class PrivateRedis implements AutoCloseable {
    private final int port;
    private Process process;

    public PrivateRedis() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            this.port = s.getLocalPort();
        }
        start();
    }

    public URI uri() {
        return URI.create("redis://127.0.0.1:" + port);
    }

    public void start() throws IOException {
        process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(Path.of("target", "redis-" + port + ".log").toFile()))
                .start();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(this::answers);
    }

    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !answers());
    }

    private boolean answers() {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }
}
