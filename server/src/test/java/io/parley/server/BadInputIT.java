package io.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.support.OneServer;
import io.parley.server.support.RawWebSocket;
import io.parley.server.support.Rest;
import io.parley.testkit.WsClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Bad input answered exactly: REST paths decoded once, one JSON value per frame or body, close codes checked. */
class BadInputIT {
    @RegisterExtension
    static final OneServer server = OneServer.withAccount("bad-input", "bad");

    @Test
    void decodesEachPathSegmentOnceAndNeverAnswers500() throws IOException {
        String token = server.account().token();
        assertThat(server.rest().get("/api/rooms/%2561bc/messages", token).errorCode())
                .isEqualTo("invalid_room_name");
        assertThat(server.rest().get("/api/rooms/x%25/messages", token).errorCode())
                .isEqualTo("invalid_room_name");
        assertThat(rawGet("/api/rooms/%zz/messages", token)).startsWith("HTTP/1.1 400");
        assertThat(rawGet("/api/rooms/general/messages?limit=%zz", token)).startsWith("HTTP/1.1 400");
        assertThat(rawGet("/api/m%zz", token)).startsWith("HTTP/1.1 400");
        assertThat(server.rest().get("/api/rooms/a%2Fb/messages", token).errorCode())
                .isEqualTo("invalid_room_name");
        assertThat(server.rest().get("/api/rooms/messages", token).status()).isEqualTo(404);
        assertThat(server.rest().get("/api/rooms//messages", token).status()).isEqualTo(404);
        // Decoding once still finds an encoded name that is valid.
        String room = "dec-" + Long.toString(System.nanoTime(), 36);
        assertThat(server.rest()
                        .post("/api/rooms", token, Rest.json("name", room))
                        .status())
                .isEqualTo(201);
        assertThat(server.rest()
                        .get("/api/rooms/%64" + room.substring(1) + "/messages", token)
                        .status())
                .isEqualTo(200);
    }

    @Test
    void trailingDataAfterTheJsonValueIsBadRequestOnBothTransports() {
        assertThat(server.rest()
                        .post("/api/auth/login", null, "{\"username\":\"someone\",\"password\":\"whatever1\"} garbage")
                        .errorCode())
                .isEqualTo("bad_request");
        assertThat(server.rest()
                        .post("/api/rooms", server.account().token(), "{\"name\":\"a\"}{\"name\":\"b\"}")
                        .errorCode())
                .isEqualTo("bad_request");
        try (WsClient c = WsClient.connect(server.port(), server.account().token())) {
            c.awaitType("ready");
            c.sendRaw("{\"type\":\"ping\",\"ref\":\"a\"} garbage");
            assertThat(c.awaitType("error").path("code").asText()).isEqualTo("bad_request");
            c.sendRaw("{\"type\":\"ping\",\"ref\":\"b\"}{\"type\":\"ping\",\"ref\":\"c\"}");
            assertThat(c.awaitType("error").path("code").asText()).isEqualTo("bad_request");
            c.sendRaw("{\"type\":\"ping\",\"ref\":\"d\"}  \n");
            assertThat(c.reply("d").path("type").asText())
                    .as("trailing whitespace is fine")
                    .isEqualTo("pong");
            assertThat(c.drain("pong")).isEmpty();
        }
    }

    @Test
    void aCloseCodeOutsideTheValidRangesIsAnswered1002() throws IOException {
        for (int code : new int[] {999, 1004, 1005, 1006, 1015, 2999, 5000}) {
            try (RawWebSocket ws =
                    RawWebSocket.connect(server.port(), server.account().token())) {
                ws.write(RawWebSocket.close(code));
                assertThat(closesUntilEnd(ws)).as("close code %d", code).containsExactly(1002);
            }
        }
        for (int code : new int[] {1000, 1001, 3000, 4999}) {
            try (RawWebSocket ws =
                    RawWebSocket.connect(server.port(), server.account().token())) {
                ws.write(RawWebSocket.close(code));
                assertThat(closesUntilEnd(ws)).as("close code %d", code).containsExactly(code);
            }
        }
    }

    @Test
    void aFrameLevelViolationGetsExactlyOneCloseFrameAndNoReset() throws IOException {
        byte[][] violations = {
            RawWebSocket.frame(true, 0, 0x3, new byte[0]), // reserved opcode
            RawWebSocket.frame(true, 4, RawWebSocket.TEXT, "{}".getBytes()), // RSV bit without an extension
            RawWebSocket.frame(false, 0, RawWebSocket.PING, new byte[0]), // fragmented control frame
            RawWebSocket.frame(true, 0, 0x0, "x".getBytes()), // continuation without a start
            RawWebSocket.frame(true, 0, RawWebSocket.TEXT, new byte[] {(byte) 0xC3, 0x28}), // not UTF-8
        };
        int[] expected = {1002, 1002, 1002, 1002, 1007};
        for (int i = 0; i < violations.length; i++) {
            try (RawWebSocket ws =
                    RawWebSocket.connect(server.port(), server.account().token())) {
                ws.write(violations[i]);
                List<Integer> closes = closeCodes(ws);
                assertThat(closes).as("violation %d", i).containsExactly(expected[i]);
            }
        }
        assertThat(server.rest().get("/healthz", null).status()).isEqualTo(200);
    }

    /** Server-initiated: the close frame, our answer, then every further close frame until a clean end. */
    private static List<Integer> closeCodes(RawWebSocket ws) throws IOException {
        int first = ws.readUntilClose(f -> {}).closeCode();
        // Our answer may be discarded (a corrupt stream is not decoded further); the server still ends cleanly.
        ws.write(RawWebSocket.close(1000));
        List<Integer> closes = closesUntilEnd(ws);
        closes.add(0, first);
        return closes;
    }

    /** Every close frame until the server ends the connection; a reset fails the test. */
    private static List<Integer> closesUntilEnd(RawWebSocket ws) throws IOException {
        List<Integer> closes = new ArrayList<>();
        while (true) {
            RawWebSocket.Frame f;
            try {
                f = ws.read();
            } catch (java.io.EOFException e) {
                return closes;
            }
            if (f.opcode() == RawWebSocket.CLOSE) {
                closes.add(f.closeCode());
            }
        }
    }

    /** A GET with a request line no URI class would build; answers the status line. */
    private static String rawGet(String target, String token) throws IOException {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream()
                    .write(("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + "Authorization: Bearer "
                                    + token + "\r\n\r\n")
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
