package io.parley.server;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.support.Rest;
import io.parley.server.support.Stack;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
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
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                            + "Sec-WebSocket-Protocol: parley.v1\r\nAuthorization: Bearer " + token + "\r\n\r\n")
                    .getBytes(US_ASCII));
            DataInputStream in = new DataInputStream(socket.getInputStream());
            String status = readLine(in);
            assertThat(status).startsWith("HTTP/1.1 101");
            List<String> headers = new ArrayList<>();
            for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
                headers.add(line.toLowerCase());
            }
            assertThat(headers).contains("sec-websocket-protocol: parley.v1");
            assertThat(String.join("\n", headers)).doesNotContain(token.toLowerCase());
            List<Integer> opcodes = new ArrayList<>();
            int closeCode = -1;
            long started = System.nanoTime();
            while (true) {
                int b0 = in.readUnsignedByte();
                int length = in.readUnsignedByte() & 0x7F;
                if (length == 126) {
                    length = in.readUnsignedShort();
                } else if (length == 127) {
                    length = (int) in.readLong();
                }
                byte[] payload = in.readNBytes(length);
                int opcode = b0 & 0x0F;
                opcodes.add(opcode);
                if (opcode == 0x8) {
                    closeCode = ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
                    break;
                }
            }
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

    private static String readLine(DataInputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }
}
