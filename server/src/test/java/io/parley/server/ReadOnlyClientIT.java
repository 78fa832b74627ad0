package io.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.support.RawWebSocket;
import io.parley.server.support.Rest;
import io.parley.server.support.Stack;
import io.parley.testkit.WsClient;
import java.net.SocketTimeoutException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Heartbeats follow PROTOCOL.md with the default 25 s / 60 s settings: the server pings on a fixed schedule
 * whatever else it writes, so a client in a busy room that only reads and answers pings is never closed for
 * idleness. The one long test: three minutes.
 */
class ReadOnlyClientIT {
    private static final long HOLD_MS = 180_000;
    private static Stack stack;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        stack = new Stack();
        port = stack.startServer("read-only").port(); // default ping interval and idle timeout
        stack.startWorker("read-only-worker");
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @Test
    void aClientThatOnlyReadsAndAnswersPingsStaysConnectedInABusyRoom() throws Exception {
        Rest rest = new Rest(port);
        Rest.Account talker = rest.newAccount("talker");
        Rest.Account reader = rest.newAccount("reader");
        String room = "busy-" + Long.toString(System.nanoTime(), 36);
        ScheduledExecutorService chatter = Executors.newSingleThreadScheduledExecutor();
        try (WsClient t = WsClient.joined(port, talker.token(), room)) {
            WsClient.joined(port, reader.token(), room).close();
            try (RawWebSocket ws = RawWebSocket.connect(port, reader.token())) {
                ws.setReadTimeoutMillis(5_000);
                // A message every 2 s: the server always has something to write to the reader.
                chatter.scheduleAtFixedRate(
                        () -> t.send("type", "send", "room", room, "body", "tick"), 0, 2, TimeUnit.SECONDS);
                int pings = 0;
                int messages = 0;
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HOLD_MS);
                while (System.nanoTime() < end) {
                    RawWebSocket.Frame f;
                    try {
                        f = ws.read();
                    } catch (SocketTimeoutException e) {
                        continue; // a quiet moment; the deadline decides
                    }
                    assertThat(f.opcode())
                            .as(
                                    "closed after %d pings, %d messages: %s",
                                    pings, messages, f.opcode() == RawWebSocket.CLOSE ? f.closeCode() : "")
                            .isNotEqualTo(RawWebSocket.CLOSE);
                    if (f.opcode() == RawWebSocket.PING) {
                        pings++;
                        ws.write(RawWebSocket.frame(true, 0, RawWebSocket.PONG, f.payload()));
                    } else if (f.opcode() == RawWebSocket.TEXT && f.text().contains("\"type\":\"message\"")) {
                        messages++;
                    }
                }
                System.out.printf(
                        "read-only client: %d s, %d pings, %d messages, never closed%n",
                        HOLD_MS / 1000, pings, messages);
                assertThat(pings).as("a ping every 25 s for 180 s").isGreaterThanOrEqualTo(6);
                assertThat(messages).as("the room was busy").isGreaterThan(30);
            }
        } finally {
            chatter.shutdownNow();
        }
    }
}
