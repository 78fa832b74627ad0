package io.parley.server.support;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client on a plain socket, for tests that must send what no well-behaved client library would:
 * floods written in one go, malformed frames, invalid close codes. It also tells a clean end of the connection from
 * a reset, which is what the closing-handshake tests are about.
 */
public final class RawWebSocket implements AutoCloseable {
    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;

    /** A frame the server sent. */
    public record Frame(int opcode, byte[] payload) {
        public String text() {
            return new String(payload, UTF_8);
        }

        public int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final String handshakeResponse;

    private RawWebSocket(Socket socket, String handshakeResponse, DataInputStream in) throws IOException {
        this.socket = socket;
        this.in = in;
        this.out = socket.getOutputStream();
        this.handshakeResponse = handshakeResponse;
    }

    /** Opens a connection and completes the upgrade with the token in the Authorization header. */
    public static RawWebSocket connect(int port, String token) throws IOException {
        return connect(port, token, "");
    }

    /** Same, with extra request header lines (each ending in CRLF). */
    public static RawWebSocket connect(int port, String token, String extraHeaders) throws IOException {
        return connect(port, token, extraHeaders, 0);
    }

    private static RawWebSocket connect(int port, String token, String extraHeaders, int receiveBuffer)
            throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 10_000);
        socket.setSoTimeout(20_000);
        socket.getOutputStream()
                .write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                                + "Sec-WebSocket-Protocol: parley.v1\r\nAuthorization: Bearer " + token + "\r\n"
                                + extraHeaders
                                + "\r\n")
                        .getBytes(US_ASCII));
        DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        StringBuilder response = new StringBuilder();
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            response.append(line).append('\n');
        }
        if (!response.toString().startsWith("HTTP/1.1 101")) {
            socket.close();
            throw new IOException("upgrade refused: " + response);
        }
        return new RawWebSocket(socket, response.toString(), in);
    }

    public String handshakeResponse() {
        return handshakeResponse;
    }

    /** Encodes one masked client frame. */
    public static byte[] frame(boolean fin, int rsv, int opcode, byte[] payload) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(payload.length + 14);
        b.write((fin ? 0x80 : 0) | (rsv & 0x7) << 4 | (opcode & 0xF));
        if (payload.length < 126) {
            b.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            b.write(0x80 | 126);
            b.write(payload.length >> 8);
            b.write(payload.length);
        } else {
            b.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                b.write((int) ((long) payload.length >> shift));
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        b.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            b.write(payload[i] ^ mask[i % 4]);
        }
        return b.toByteArray();
    }

    public static byte[] text(String json) {
        return frame(true, 0, TEXT, json.getBytes(UTF_8));
    }

    public static byte[] close(int code) {
        return frame(true, 0, CLOSE, new byte[] {(byte) (code >> 8), (byte) code});
    }

    /** Writes raw bytes (one or many frames, or garbage) in one go. */
    public void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public void sendText(String json) throws IOException {
        write(text(json));
    }

    /** The next frame the server sent; EOFException at a clean end, SocketException on a reset. */
    public Frame read() throws IOException {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        long length = b1 & 0x7F;
        if (length == 126) {
            length = in.readUnsignedShort();
        } else if (length == 127) {
            length = in.readLong();
        }
        if (length > 16 << 20) {
            throw new IOException("frame of " + length + " bytes");
        }
        return new Frame(b0 & 0x0F, in.readNBytes((int) length));
    }

    /** Reads until the server's close frame and returns it; every frame before it goes to {@code seen}, unanswered. */
    public Frame readUntilClose(java.util.function.Consumer<Frame> seen) throws IOException {
        while (true) {
            Frame f = read();
            if (f.opcode() == CLOSE) {
                return f;
            }
            seen.accept(f);
        }
    }

    /** After the close frame: answers it and reports whether the server then ended TCP cleanly (no reset). */
    public boolean answerCloseAndExpectCleanEnd(int code) {
        try {
            write(close(code));
            while (in.read() >= 0) {
                // a conforming server sends nothing after its close frame; drain whatever there is
            }
            return true;
        } catch (EOFException e) {
            return true;
        } catch (SocketException e) {
            return false; // "Connection reset": what the closing handshake exists to avoid
        } catch (IOException e) {
            return false;
        }
    }

    /** True when the server ended the connection cleanly without our having to answer. */
    public boolean expectCleanEnd() {
        try {
            while (in.read() >= 0) {
                // drain
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public void setReadTimeoutMillis(int millis) throws SocketException {
        socket.setSoTimeout(millis);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private static String readLine(DataInputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("connection closed during the handshake");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }
}
