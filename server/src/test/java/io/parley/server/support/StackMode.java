package io.parley.server.support;

import io.parley.testkit.PrivateRedisCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The sets of parts the protocol tests run on: Redis + MySQL (+ a worker process), the same on a Redis Cluster of the
 * test's own (3 masters, 3 replicas), and standalone mode.
 */
public enum StackMode {
    REDIS_MYSQL,
    REDIS_CLUSTER,
    STANDALONE;

    /** Running parts: close them to stop everything; {@code database} opens a connection to what they store. */
    public record Started(AutoCloseable parts, int port, Database database) {}

    /** Opens a connection to the parts' database, for tests that look at the stored rows. */
    public interface Database {
        Connection connect() throws SQLException;
    }

    /** A replica named {@code serverId} on these parts with {@code overrides} (name, value, ...), and a worker. */
    public Started start(String serverId, boolean worker, String... overrides) throws Exception {
        if (this == STANDALONE) {
            List<String> env = new ArrayList<>(List.of(overrides));
            env.addAll(List.of("PARLEY_SERVER_ID", serverId));
            StandaloneInstance standalone = StandaloneInstance.start(env.toArray(String[]::new));
            return new Started(
                    standalone, standalone.port(), () -> standalone.dataSource().getConnection());
        }
        Stack stack = new Stack();
        List<String> redis = new ArrayList<>();
        if (this == REDIS_CLUSTER) {
            PrivateRedisCluster cluster = PrivateRedisCluster.start();
            stack.closeLast(cluster);
            redis.addAll(List.of("PARLEY_REDIS_URL", cluster.uri().toString()));
        }
        List<String> env = new ArrayList<>(List.of(overrides));
        env.addAll(redis);
        int port = stack.startServer(serverId, env.toArray(String[]::new)).port();
        if (worker) {
            stack.startWorker(serverId + "-worker", redis.toArray(String[]::new));
        }
        var db = stack.services().database();
        return new Started(stack, port, () -> DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password()));
    }
}
