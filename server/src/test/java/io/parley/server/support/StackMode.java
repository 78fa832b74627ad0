package io.parley.server.support;

import java.util.ArrayList;
import java.util.List;

/** The two sets of parts the protocol tests run on: Redis + MySQL (+ a worker process), and standalone mode. */
public enum StackMode {
    REDIS_MYSQL,
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
        Stack stack = new Stack();
        int port = stack.startServer(serverId, overrides).port();
        if (worker) {
            stack.startWorker(serverId + "-worker");
        }
        return new Started(stack, port);
    }
}
