package io.parley.server.support;

import io.parley.testkit.PrivateRedisCluster;
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

    /** Running parts: close them to stop everything. */
    public record Started(AutoCloseable parts, int port) {}

    /** A replica named {@code serverId} on these parts with {@code overrides} (name, value, ...), and a worker. */
    public Started start(String serverId, boolean worker, String... overrides) throws Exception {
        if (this == STANDALONE) {
            List<String> env = new ArrayList<>(List.of(overrides));
            env.addAll(List.of("PARLEY_SERVER_ID", serverId));
            StandaloneInstance standalone = StandaloneInstance.start(env.toArray(String[]::new));
            return new Started(standalone, standalone.port());
        }
        if (this == REDIS_CLUSTER) {
            PrivateRedisCluster cluster = PrivateRedisCluster.start();
            Stack stack = new Stack();
            String[] redis = {"PARLEY_REDIS_URL", cluster.uri().toString()};
            List<String> env = new ArrayList<>(List.of(overrides));
            env.addAll(List.of(redis));
            int port = stack.startServer(serverId, env.toArray(String[]::new)).port();
            if (worker) {
                stack.startWorker(serverId + "-worker", redis);
            }
            return new Started(
                    () -> {
                        try (cluster) {
                            stack.close();
                        }
                    },
                    port);
        }
        Stack stack = new Stack();
        int port = stack.startServer(serverId, overrides).port();
        if (worker) {
            stack.startWorker(serverId + "-worker");
        }
        return new Started(stack, port);
    }
}
