package io.parley.server.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** The two sets of parts the protocol tests run on: Redis + MySQL (+ a worker process), and standalone mode. */
public enum StackMode {
    REDIS_MYSQL,
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
        int port = stack.startServer(serverId, overrides).port();
        if (worker) {
            stack.startWorker(serverId + "-worker");
        }
        var db = stack.services().database();
        return new Started(stack, port, () -> DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password()));
    }
}
