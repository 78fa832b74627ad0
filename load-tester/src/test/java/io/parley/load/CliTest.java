package io.parley.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.load.idle.ProcStatus;
import io.parley.load.report.JsonReport;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CliTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        var mapper = Json.newMapper();
        LoadContext ctx = new LoadContext(
                mapper,
                new FrameCodec(mapper),
                new JsonReport(mapper),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                new ByteArrayInputStream(new byte[0]),
                ProcStatus.system(),
                List.of("java"));
        return LoadMain.run(args, ctx);
    }

    @ParameterizedTest
    @ValueSource(strings = {"chat", "fanout", "connections"})
    void everyScenarioHasHelp(String scenario) {
        assertThat(run(scenario, "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("Usage: parley-load " + scenario)
                .contains("--target");
    }

    @Test
    void withoutAScenarioPrintsUsage() {
        assertThat(run()).isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("chat")
                .contains("fanout")
                .contains("connections");
    }

    @Test
    void refusesARateAboveTheServersPerConnectionLimitBeforeConnecting() {
        assertThat(run("fanout", "--members", "5", "--rate", "100", "--target", "ws://127.0.0.1:1/ws"))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("above 90% of the server's limit");
    }

    @Test
    void refusesARoomPlanWithEmptyRooms() {
        assertThat(run("chat", "--users", "2", "--rooms", "5", "--target", "ws://127.0.0.1:1/ws"))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("rooms: 5");
    }
}
