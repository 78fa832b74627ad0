package io.parley.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.awaitility.Awaitility;

/** A redis-server of a test's own on a free port, so that killing or restarting it touches nobody else. */
public final class PrivateRedis implements AutoCloseable {
    private final int port = Ports.free();
    private final List<String> persistence;
    private final Optional<Path> dir;
    private Process process;

    /** Without persistence: a restart starts empty. */
    public PrivateRedis() throws IOException {
        this(List.of("--save", "", "--appendonly", "no"), Optional.empty());
    }

    private PrivateRedis(List<String> persistence, Optional<Path> dir) throws IOException {
        this.persistence = persistence;
        this.dir = dir;
        start();
    }

    /**
     * With an append-only file in a directory of its own, fsynced as {@code appendfsync} says ({@code always} is what
     * production needs for acknowledged messages to survive); restarts reload it.
     */
    public static PrivateRedis withAof(String appendfsync) throws IOException {
        Path target = Path.of("target").toAbsolutePath();
        Files.createDirectories(target);
        Path dir = Files.createTempDirectory(target, "redis-aof-");
        return new PrivateRedis(
                List.of("--save", "", "--appendonly", "yes", "--appendfsync", appendfsync, "--dir", dir.toString()),
                Optional.of(dir));
    }

    public URI uri() {
        return URI.create("redis://127.0.0.1:" + port);
    }

    /** Starts (or restarts) the server on the same port and waits until it answers PING. */
    public void start() throws IOException {
        List<String> command =
                new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1"));
        command.addAll(persistence);
        Path log = Path.of("target", "redis-" + port + ".log").toAbsolutePath();
        Files.createDirectories(log.getParent());
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(this::answersPing);
    }

    /** SIGKILL: no shutdown, no final write; what the AOF holds is what the next start loads. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !Ports.accepts(port));
    }

    // PONG, not just an open port: while it loads an AOF redis accepts connections but answers LOADING.
    private boolean answersPing() {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(1_000);
            s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] reply = in.readNBytes(7);
            return "+PONG\r\n".equals(new String(reply, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws Exception {
        process.destroyForcibly().waitFor();
        if (dir.isPresent()) {
            try (var files = Files.walk(dir.get())) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
