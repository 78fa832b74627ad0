package io.parley.server.support;

import io.parley.infra.DatabaseSettings;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A mariadbd of a test's own, with its own data directory (made by {@code mariadb-install-db}) on a free port, so
 * that killing it touches nobody else. Root without a password, over TCP on 127.0.0.1 only. It can be a replication
 * primary (a binary log) or a read-only replica of one.
 */
public final class PrivateMariaDb implements AutoCloseable {
    private final int port;
    private final Path dir;
    private final List<String> options;
    private Process process;

    /** A server without a binary log. */
    public PrivateMariaDb() throws IOException, InterruptedException {
        this(List.of("--skip-log-bin"));
    }

    /** A primary that replicas can follow: row-based binary log, server id 1. */
    public static PrivateMariaDb primary() throws IOException, InterruptedException {
        return new PrivateMariaDb(List.of("--server-id=1", "--log-bin=mariadb-bin", "--binlog-format=ROW"));
    }

    /** A read-only replica (server id 2) that follows {@code primary} from the start of its binary log by GTID. */
    public static PrivateMariaDb replicaOf(PrivateMariaDb primary) throws Exception {
        PrivateMariaDb replica = new PrivateMariaDb(List.of("--server-id=2", "--skip-log-bin", "--read-only"));
        replica.execute("CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=" + primary.port
                + ", MASTER_USER='root', MASTER_PASSWORD='', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1");
        replica.execute("START SLAVE");
        return replica;
    }

    private PrivateMariaDb(List<String> options) throws IOException, InterruptedException {
        this.options = List.copyOf(options);
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

    public int port() {
        return port;
    }

    public void start() throws IOException {
        List<String> command = new ArrayList<>(List.of(
                "mariadbd",
                "--no-defaults",
                "--datadir=" + dir.resolve("data"),
                "--port=" + port,
                "--bind-address=127.0.0.1",
                "--socket=" + dir.resolve("mysqld.sock"),
                "--user=" + System.getProperty("user.name"),
                "--innodb-buffer-pool-size=32M",
                "--max-connections=200"));
        command.addAll(options);
        process = new ProcessBuilder(command)
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

    /** Runs one statement as root, e.g. {@code STOP SLAVE SQL_THREAD}. */
    public void execute(String sql) throws SQLException {
        try (var c = DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + port + "/", "root", "");
                var s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Waits until this replica has applied everything {@code primary} had committed when called. */
    public void awaitCaughtUp(PrivateMariaDb primary, Duration timeout) throws SQLException {
        String position;
        try (var c = DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + primary.port + "/", "root", "");
                var s = c.createStatement();
                var rs = s.executeQuery("SELECT @@gtid_binlog_pos")) {
            rs.next();
            position = rs.getString(1);
        }
        try (var c = DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + port + "/", "root", "");
                var ps = c.prepareStatement("SELECT MASTER_GTID_WAIT(?, ?)")) {
            ps.setString(1, position);
            ps.setDouble(2, timeout.toMillis() / 1000.0);
            try (var rs = ps.executeQuery()) {
                rs.next();
                if (rs.getInt(1) != 0) {
                    throw new AssertionError("replica on port " + port + " did not reach " + position + " within "
                            + timeout + "; see " + dir.resolve("mariadbd.log"));
                }
            }
        }
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
