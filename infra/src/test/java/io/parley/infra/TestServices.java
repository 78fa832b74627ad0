package io.parley.infra;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.MySQLContainer;

/**
 * The real MySQL and Redis that integration tests use: the local services on 127.0.0.1 when they answer, else
 * containers where Docker exists. Each {@link #isolated()} call gets its own database and Redis key prefix.
 */
public final class TestServices {
    private static final Object LOCK = new Object();
    private static String jdbcBase;
    private static String dbUser;
    private static String dbPassword;
    private static URI redisUri;

    private TestServices() {}

    /** One test's slice of the services: a fresh database name and a fresh Redis prefix. */
    public record Isolated(DatabaseSettings database, RedisSettings redis) {
        /** Environment variables that point a server or worker process at this slice. */
        public Map<String, String> env() {
            Map<String, String> env = new HashMap<>();
            env.put("PARLEY_DB_URL", database.jdbcUrl());
            env.put("PARLEY_DB_USER", database.user());
            env.put("PARLEY_DB_PASSWORD", database.password());
            env.put("PARLEY_REDIS_URL", redis.uri().toString());
            env.put("PARLEY_REDIS_PREFIX", redis.prefix());
            return env;
        }

        /** Drops the test's database; Redis keys are left to expire with the prefix. */
        public void dropDatabase() {
            try (Connection c =
                            DriverManager.getConnection(database.serverUrl(), database.user(), database.password());
                    Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS `" + database.databaseName() + "`");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    public static Isolated isolated() {
        start();
        String id = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        DatabaseSettings db = new DatabaseSettings(jdbcBase + "parley_test_" + id, dbUser, dbPassword, 8);
        return new Isolated(db, new RedisSettings(redisUri, "parley-test-" + id + ":"));
    }

    private static void start() {
        synchronized (LOCK) {
            if (jdbcBase != null) {
                return;
            }
            if (answers("127.0.0.1", 3306) && answers("127.0.0.1", 6379)) {
                jdbcBase = "jdbc:mysql://127.0.0.1:3306/";
                dbUser = "root";
                dbPassword = "";
                redisUri = URI.create("redis://127.0.0.1:6379");
                return;
            }
            if (!DockerClientFactory.instance().isDockerAvailable()) {
                throw new IllegalStateException("Neither MySQL/Redis on 127.0.0.1 nor a Docker engine is available");
            }
            @SuppressWarnings("resource")
            MySQLContainer<?> mysql =
                    new MySQLContainer<>("mysql:8.4").withUsername("root").withPassword("test");
            mysql.start();
            @SuppressWarnings("resource")
            GenericContainer<?> redis = new GenericContainer<>("redis:7").withExposedPorts(6379);
            redis.start();
            jdbcBase = "jdbc:mysql://" + mysql.getHost() + ":" + mysql.getMappedPort(3306) + "/";
            dbUser = "root";
            dbPassword = "test";
            redisUri = URI.create("redis://" + redis.getHost() + ":" + redis.getMappedPort(6379));
        }
    }

    private static boolean answers(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
