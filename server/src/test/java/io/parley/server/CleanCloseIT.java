package io.parley.server;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.parley.server.support.OneServer;
import io.parley.server.support.RawWebSocket;
import io.parley.server.support.Stack;
import io.parley.testkit.WsClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every server-initiated close arrives as a close: the client reads every frame written before it, then the close
 * frame with its code, and the TCP connection ends cleanly, never with a reset, even when the client was still
 * sending. Raw sockets, because they tell a reset from a clean end and can flood in one write.
 */
class CleanCloseIT {
    @RegisterExtension
    static final OneServer server = OneServer.withAccount("clean-close", "closer");

    @Test
    void aFloodIsAnsweredRateLimitedThen1008EveryTime() throws IOException {
        ByteArrayOutputStream flood = new ByteArrayOutputStream();
        for (int i = 0; i < 150; i++) {
            flood.writeBytes(RawWebSocket.text("{\"type\":\"ping\",\"ref\":\"" + i + "\"}"));
        }
        byte[] frames = flood.toByteArray();
        for (int run = 0; run < 50; run++) {
            try (RawWebSocket ws =
                    RawWebSocket.connect(server.port(), server.account().token())) {
                ws.write(frames);
                AtomicInteger limited = new AtomicInteger();
                AtomicInteger pongs = new AtomicInteger();
                RawWebSocket.Frame close = ws.readUntilClose(f -> {
                    if (f.text().contains("\"rate_limited\"")) {
                        limited.incrementAndGet();
                    } else if (f.text().contains("\"pong\"")) {
                        pongs.incrementAndGet();
                    }
                });
                assertThat(limited.get())
                        .as("run %d: rate_limited before the close", run)
                        .isPositive();
                assertThat(pongs.get())
                        .as("run %d: the burst was answered", run)
                        .isGreaterThanOrEqualTo(40);
                assertThat(close.closeCode()).as("run %d", run).isEqualTo(1008);
                assertThat(ws.answerCloseAndExpectCleanEnd(1000))
                        .as("run %d: no reset", run)
                        .isTrue();
            }
        }
    }

    @Test
    void anOversizedFrameCloses1009CleanlyWhileTheClientKeepsSending() throws IOException {
        byte[] tooBig = RawWebSocket.frame(true, 0, RawWebSocket.TEXT, new byte[16 * 1024 + 1]);
        ByteArrayOutputStream after = new ByteArrayOutputStream();
        for (int i = 0; i < 100; i++) {
            after.writeBytes(RawWebSocket.text("{\"type\":\"ping\"}"));
        }
        for (int run = 0; run < 10; run++) {
            try (RawWebSocket ws =
                    RawWebSocket.connect(server.port(), server.account().token())) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                all.writeBytes(tooBig);
                all.writeBytes(after.toByteArray());
                ws.write(all.toByteArray());
                assertThat(ws.readUntilClose(f -> {}).closeCode())
                        .as("run %d", run)
                        .isEqualTo(1009);
                assertThat(ws.answerCloseAndExpectCleanEnd(1000))
                        .as("run %d: no reset", run)
                        .isTrue();
            }
        }
    }

    @Test
    void anExpiredTokenCloses4001Cleanly() throws IOException {
        String shortLived = JWT.create()
                .withSubject(server.account().id())
                .withClaim("name", server.account().username())
                .withIssuedAt(Instant.now())
                .withExpiresAt(Instant.now().plusSeconds(2))
                .sign(Algorithm.HMAC256(Stack.SECRET));
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), shortLived)) {
            AtomicInteger texts = new AtomicInteger();
            assertThat(ws.readUntilClose(f -> texts.incrementAndGet()).closeCode())
                    .isEqualTo(4001);
            assertThat(texts.get()).as("ready came first").isPositive();
            assertThat(ws.answerCloseAndExpectCleanEnd(1000)).isTrue();
        }
    }

    @Test
    void shutdownCloses1001Cleanly() throws Exception {
        ServerMain leaving = server.stack().startServer("clean-leaving");
        try (RawWebSocket ws =
                RawWebSocket.connect(leaving.port(), server.account().token())) {
            ws.read(); // ready
            Thread shutdown = new Thread(leaving::close);
            shutdown.start();
            assertThat(ws.readUntilClose(f -> {}).closeCode()).isEqualTo(1001);
            assertThat(ws.answerCloseAndExpectCleanEnd(1000)).isTrue();
            shutdown.join(30_000);
        }
    }

    @Test
    void anOversizedRestBodyGets413WithItsBodyNotAReset() throws IOException {
        byte[] body = new byte[200_000];
        java.util.Arrays.fill(body, (byte) 'x');
        for (int run = 0; run < 20; run++) {
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.setSoTimeout(20_000);
                OutputStream out = s.getOutputStream();
                out.write(("POST /api/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                + "Content-Length: " + body.length + "\r\n\r\n")
                        .getBytes(US_ASCII));
                out.write(body);
                out.flush();
                String response = readAll(s.getInputStream());
                assertThat(response)
                        .as("run %d", run)
                        .startsWith("HTTP/1.1 413")
                        .contains("\"too_large\"");
            }
        }
    }

    @Test
    void anOversizedRestBodyWithExpectContinueGets413WithItsBody() throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            s.getOutputStream()
                    .write(("POST /api/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                    + "Content-Length: 200000\r\nExpect: 100-continue\r\n\r\n")
                            .getBytes(US_ASCII));
            StringBuilder head = new StringBuilder();
            InputStream in = s.getInputStream();
            while (!head.toString().contains("\"too_large\"")) {
                int c = in.read();
                assertThat(c).as("the 413 body arrives: %s", head).isNotNegative();
                head.append((char) c);
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 413");
        }
    }

    /** The whole response up to a clean end; a reset fails the test. */
    private static String readAll(InputStream in) throws IOException {
        return new String(in.readAllBytes(), UTF_8);
    }

    @Test
    void theConnectionStillWorksForAWellBehavedClient() {
        try (WsClient c = WsClient.connect(server.port(), server.account().token())) {
            c.awaitType("ready");
            assertThat(c.reply(c.send("type", "ping")).path("type").asText()).isEqualTo("pong");
        }
    }
}
