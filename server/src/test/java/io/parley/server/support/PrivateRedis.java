package io.parley.server.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;

/** A redis-server of a test's own on a free port, so that killing it touches nobody else. */
public final class PrivateRedis implements AutoCloseable {
    private final int port;
    private final List<String> persistence;
    private Process process;

    /** Without persistence: a restart starts empty. */
    public PrivateRedis() throws IOException {
        this(List.of("--save", "", "--appendonly", "no"));
    }

    private PrivateRedis(List<String> persistence) throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            this.port = s.getLocalPort();
        }
        this.persistence = persistence;
        start();
    }

    /** With an append-only file in a directory of its own, fsynced as {@code appendfsync} says; restarts reload it. */
    public static PrivateRedis withAof(String appendfsync) throws IOException {
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "redis-aof-");
        return new PrivateRedis(List.of("--save", "", "--appendonly", "yes", "--appendfsync", appendfsync,
                "--dir", dir.toString()));
    }

    public URI uri() {
        return URI.create("redis://127.0.0.1:" + port);
    }

    public void start() throws IOException {
        List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind",
                "127.0.0.1"));
        command.addAll(persistence);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(Path.of("target", "redis-" + port + ".log").toFile()))
                .start();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(this::answers);
    }

    /** SIGKILL: no shutdown, no final write; what the AOF holds is what the next start loads. */
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
