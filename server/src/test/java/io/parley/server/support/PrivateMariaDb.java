package io.parley.server.support;

import io.parley.infra.DatabaseSettings;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A mariadbd of a test's own, with its own data directory (made by {@code mariadb-install-db}) on a free port, so
 * that killing it touches nobody else. Root without a password, over TCP on 127.0.0.1 only.
 */
public final class PrivateMariaDb implements AutoCloseable {
    private final int port;
    private final Path dir;
    private Process process;

    public PrivateMariaDb() throws IOException, InterruptedException {
        try (ServerSocket s = new ServerSocket(0)) {
            this.port = s.getLocalPort();
        }
        this.dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "mariadb-");
        Process install = new ProcessBuilder(
                        "mariadb-install-db",
                        "--no-defaults",
                        "--datadir=" + dir.resolve("data"),
                        "--user=" + System.getProperty("user.name"),
                        "--auth-root-authentication-method=normal",
                        "--skip-test-db")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("install.log").toFile())
                .start();
        if (!install.waitFor(120, TimeUnit.SECONDS) || install.exitValue() != 0) {
            throw new IllegalStateException("mariadb-install-db failed; see " + dir.resolve("install.log"));
        }
        start();
    }

    /** Settings for a database of this server (created by the first migration that asks for it). */
    public DatabaseSettings database(String name) {
        return new DatabaseSettings("jdbc:mysql://127.0.0.1:" + port + "/" + name, "root", "", 4);
    }

    public void start() throws IOException {
        process = new ProcessBuilder(List.of(
                        "mariadbd",
                        "--no-defaults",
                        "--datadir=" + dir.resolve("data"),
                        "--port=" + port,
                        "--bind-address=127.0.0.1",
                        "--socket=" + dir.resolve("mysqld.sock"),
                        "--user=" + System.getProperty("user.name"),
                        "--skip-log-bin",
                        "--innodb-buffer-pool-size=32M",
                        "--max-connections=200"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("mariadbd.log").toFile()))
                .start();
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(this::answers);
    }

    /** SIGKILL: no shutdown; InnoDB recovers what was committed when it starts again. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    private boolean answers() {
        try (var c = DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + port + "/", "root", "")) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() throws Exception {
        process.destroyForcibly().waitFor();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
