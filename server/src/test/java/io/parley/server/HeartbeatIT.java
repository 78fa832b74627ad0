package io.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.support.RawWebSocket;
import io.parley.server.support.Rest;
import io.parley.server.support.Stack;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Server pings and idle close, seen by a raw TCP client that completes the handshake and then stays silent. */
class HeartbeatIT {
    private static Stack stack;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        stack = new Stack();
        port = stack.startServer("heart", "PARLEY_PING_INTERVAL_SECONDS", "1", "PARLEY_IDLE_TIMEOUT_SECONDS", "3")
                .port();
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @Test
    void pingsASilentClientThenClosesIt() throws IOException {
        String token = new Rest(port).newAccount("silent").token();
        try (RawWebSocket ws = RawWebSocket.connect(port, token)) {
            ws.setReadTimeoutMillis(10_000);
            List<String> response = List.of(ws.handshakeResponse().split("\n"));
            assertThat(response.getFirst()).startsWith("HTTP/1.1 101");
            List<String> headers = response.subList(1, response.size()).stream()
                    .map(String::toLowerCase)
                    .toList();
            assertThat(headers).contains("sec-websocket-protocol: parley.v1");
            assertThat(String.join("\n", headers)).doesNotContain(token.toLowerCase());
            List<Integer> opcodes = new ArrayList<>();
            long started = System.nanoTime();
            // Silent: reads every frame and answers none, pings included.
            RawWebSocket.Frame close = ws.readUntilClose(f -> opcodes.add(f.opcode()));
            opcodes.add(close.opcode());
            int closeCode = close.closeCode();
            long seconds = (System.nanoTime() - started) / 1_000_000_000L;
            assertThat(opcodes)
                    .as("text (ready), pings, then close")
                    .startsWith(0x1)
                    .contains(0x9)
                    .endsWith(0x8);
            assertThat(closeCode).isEqualTo(1001);
            assertThat(seconds).isBetween(2L, 8L);
        }
    }
}
