package io.parley.worker;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import redis.clients.jedis.Jedis;

/**
 * A redis-server of the test's own on a free port, which the test may kill and restart; the shared one is never
 * touched. It keeps an fsync-always append-only file, as production must for acknowledged messages to survive.
 */
final class PrivateRedis implements AutoCloseable {
    private final int port;
    private final Path dir;
    private Process process;

    PrivateRedis() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        dir = Files.createTempDirectory("parley-redis-");
        start();
    }

    URI uri() {
        return URI.create("redis://127.0.0.1:" + port);
    }

    void start() throws IOException {
        process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", dir.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
                .start();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
            try (Jedis jedis = new Jedis(uri())) {
                return "PONG".equals(jedis.ping());
            }
        });
    }

    /** SIGKILL: no shutdown save, only what the append-only file already holds survives. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() throws Exception {
        kill();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
