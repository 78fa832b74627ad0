package io.parley.load.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.load.LoadContext;
import io.parley.load.LoadMain;
import io.parley.load.chat.ChatResult;
import io.parley.load.idle.ConnectionsResult;
import io.parley.load.idle.ProcStatus;
import io.parley.load.report.JsonReport;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.Json;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Runs the scenarios in-process against a real server and worker and checks that every count adds up. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChatScenarioIT {
    private LocalStack stack;
    private final JsonReport json = new JsonReport(Json.newMapper());

    @TempDir
    Path dir;

    @BeforeAll
    void startStack() throws Exception {
        stack = new LocalStack("chat-it");
    }

    @AfterAll
    void stopStack() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    /**
     * Runs one load-tester command line (words split on spaces, so no path in it may hold one) with {@code --target}
     * the stack and {@code --json out} added; returns its exit code.
     */
    private int run(Path out, String commandLine) {
        List<String> args = new ArrayList<>(List.of(commandLine.split(" ")));
        args.addAll(List.of("--target", stack.target(), "--json", out.toString()));
        var mapper = Json.newMapper();
        String java = ProcessHandle.current().info().command().orElse("java");
        LoadContext ctx = new LoadContext(
                mapper,
                new FrameCodec(mapper),
                json,
                System.out,
                System.err,
                new java.io.ByteArrayInputStream(new byte[0]),
                ProcStatus.system(),
                List.of(java, "-cp", Path.of("target", "parley-load.jar").toString(), LoadMain.class.getName()));
        return LoadMain.run(args.toArray(String[]::new), ctx);
    }

    @Test
    void chatCountsAddUpAndMatchTheDatabase() throws Exception {
        Path out = dir.resolve("chat.json");
        String cache = " --users-cache " + dir.resolve("users.json");
        int exit = run(out, "chat --users 24 --rooms 4 --rooms-per-user 2 --rate 150 --duration 3 --grace 30" + cache);

        ChatResult r = json.read(out, ChatResult.class);
        ChatResult.Counts c = r.counts();
        assertThat(exit).isZero();
        assertThat(c.sent()).isEqualTo(c.planned()).isEqualTo(450);
        assertThat(c.acked()).isEqualTo(c.sent());
        assertThat(c.failed()).isZero();
        assertThat(c.unanswered()).isZero();
        // 24 users x 2 rooms over 4 rooms: 12 subscribers per room, one connection each.
        assertThat(c.expectedDeliveries()).isEqualTo(c.acked() * 12);
        assertThat(c.delivered()).isEqualTo(c.expectedDeliveries());
        assertThat(c.lost()).isZero();
        assertThat(c.duplicated()).isZero();
        assertThat(c.outOfOrder()).isZero();
        assertThat(c.senderOrderViolations()).isZero();
        assertThat(c.seqMismatches()).isZero();
        assertThat(r.sendToDelivery().count()).isEqualTo(c.delivered());

        String tag = (String) r.config().get("runTag");
        try (Connection db = DriverManager.getConnection(stack.jdbcUrl(), stack.dbUser(), stack.dbPassword());
                PreparedStatement q = db.prepareStatement("SELECT COUNT(*), COUNT(DISTINCT client_msg_id) "
                        + "FROM messages WHERE client_msg_id LIKE ?")) {
            q.setString(1, tag + ".%");
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).as("stored").isEqualTo(c.acked());
                assertThat(rs.getLong(2)).as("stored once each").isEqualTo(c.acked());
            }
        }

        // A rerun reuses the cached users and still adds up (fresh run tag, fresh rooms).
        Path again = dir.resolve("again.json");
        assertThat(run(again, "chat --users 24 --rooms 4 --rate 50 --duration 1" + cache))
                .isZero();
        assertThat(json.read(again, ChatResult.class).counts().lost()).isZero();
    }

    @Test
    void fanoutDeliversEveryMessageToEveryMember() throws Exception {
        Path out = dir.resolve("fanout.json");
        int exit = run(out, "fanout --members 60 --rate 10 --duration 2 --user-prefix fan_");

        ChatResult.Counts c = json.read(out, ChatResult.class).counts();
        assertThat(exit).isZero();
        assertThat(c.acked()).isEqualTo(20);
        assertThat(c.delivered()).isEqualTo(20 * 60);
        assertThat(c.lost()).isZero();
        assertThat(c.duplicated()).isZero();
    }

    @Test
    void idleConnectionsFromSeveralProcessesAllReceiveTheBroadcast() throws Exception {
        Path out = dir.resolve("connections.json");
        int exit = run(
                out,
                "connections --connections 300 --users 30 --procs 3 --hold 1 --user-prefix idle_ --child-heap 256m"
                        + " --server-pid " + stack.serverPid());

        ConnectionsResult r = json.read(out, ConnectionsResult.class);
        assertThat(exit).isZero();
        assertThat(r.processes()).isEqualTo(3);
        assertThat(r.opened()).isEqualTo(300);
        assertThat(r.received()).isEqualTo(300);
        assertThat(r.servers()).hasSize(1);
    }
}
