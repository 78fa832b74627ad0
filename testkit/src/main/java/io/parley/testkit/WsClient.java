package io.parley.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.parley.protocol.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * The protocol v1 WebSocket client of every test: records every frame it receives and waits for frames with
 * deadlines; a wait fails at once when the connection closes, since no frame can come after that.
 */
public final class WsClient implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(15);
    public static final ObjectMapper JSON = Json.newMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** How the token travels: a subprotocol (as browsers do) or the Authorization header (as programs do). */
    public enum TokenIn {
        SUBPROTOCOL,
        HEADER
    }

    private final LinkedBlockingQueue<JsonNode> inbox = new LinkedBlockingQueue<>();
    private final List<JsonNode> seen = new ArrayList<>();
    private final List<JsonNode> history = new ArrayList<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final WebSocket socket;
    private final boolean autoRead;
    private JsonNode ready;
    private int refs;

    private WsClient(WebSocket.Builder builder, URI uri, boolean autoRead, Duration timeout)
            throws ExecutionException, InterruptedException, TimeoutException {
        this.autoRead = autoRead;
        this.socket = builder.buildAsync(uri, new Listener()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private WsClient(WebSocket.Builder builder, URI uri, boolean autoRead) {
        this.autoRead = autoRead;
        this.socket = builder.buildAsync(uri, new Listener()).join();
    }

    /** Connects with the token as a {@code bearer.} subprotocol, as browsers do. */
    public static WsClient connect(int port, String token) {
        return new WsClient(HTTP.newWebSocketBuilder().subprotocols("parley.v1", "bearer." + token), uri(port), true);
    }

    /** Connects as {@link #connect} and waits for the {@code ready} frame. */
    public static WsClient connectReady(int port, String token) {
        WsClient c = connect(port, token);
        try {
            c.awaitType("ready");
            return c;
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        }
    }

    /**
     * Connects as {@link #connectReady} and joins {@code room}: a member of it, which is where most tests start.
     */
    public static WsClient joined(int port, String token, String room) {
        WsClient c = connectReady(port, token);
        try {
            JsonNode reply = c.reply(c.send("type", "join", "room", room));
            if (!"joined".equals(reply.path("type").asText())) {
                throw new AssertionError("join " + room + " answered " + reply);
            }
            return c;
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        }
    }

    /** Connects with the token in the Authorization header, as programs do. */
    public static WsClient connectWithHeader(int port, String token) {
        return new WsClient(
                HTTP.newWebSocketBuilder()
                        .header("Authorization", "Bearer " + token)
                        .subprotocols("parley.v1"),
                uri(port),
                true);
    }

    /** Connects as a browser page of {@code origin}. */
    public static WsClient connectWithOrigin(int port, String token, String origin) {
        return new WsClient(
                HTTP.newWebSocketBuilder().header("Origin", origin).subprotocols("parley.v1", "bearer." + token),
                uri(port),
                true);
    }

    /** Connects but reads nothing: a client too slow to keep up. */
    public static WsClient connectNotReading(int port, String token) {
        return new WsClient(HTTP.newWebSocketBuilder().subprotocols("parley.v1", "bearer." + token), uri(port), false);
    }

    /**
     * Connects to {@code uri} (through a proxy, say), checks that the negotiated subprotocol is {@code parley.v1}
     * and never the token, and waits for {@code ready}.
     */
    public static WsClient open(HttpClient client, URI uri, String token, TokenIn tokenIn, Duration timeout)
            throws Exception {
        WebSocket.Builder builder = client.newWebSocketBuilder().connectTimeout(timeout);
        if (tokenIn == TokenIn.HEADER) {
            builder.header("Authorization", "Bearer " + token).subprotocols("parley.v1");
        } else {
            builder.subprotocols("parley.v1", "bearer." + token);
        }
        WsClient ws = new WsClient(builder, uri, true, timeout);
        if (!"parley.v1".equals(ws.subprotocol())) {
            ws.socket.abort();
            throw new AssertionError(
                    "negotiated subprotocol: '" + ws.subprotocol() + "' (expected: parley.v1, never the token)");
        }
        ws.ready = ws.await(f -> "ready".equals(f.path("type").asText()), timeout);
        return ws;
    }

    /** The HTTP status with which an upgrade is refused. */
    public static int refusedStatus(WebSocket.Builder builder, int port) {
        try {
            builder.buildAsync(uri(port), new WebSocket.Listener() {}).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                return h.getResponse().statusCode();
            }
            throw e;
        }
        throw new AssertionError("the upgrade was accepted");
    }

    public static WebSocket.Builder builder() {
        return HTTP.newWebSocketBuilder();
    }

    private static URI uri(int port) {
        return URI.create("ws://127.0.0.1:" + port + "/ws");
    }

    /** A frame of {@code type}, with {@code ref} unless it is null, to add fields to. */
    public static ObjectNode frame(String type, String ref) {
        ObjectNode node = JSON.createObjectNode().put("type", type);
        if (ref != null) {
            node.put("ref", ref);
        }
        return node;
    }

    public String subprotocol() {
        return socket.getSubprotocol();
    }

    /** The {@code ready} frame {@link #open} waited for. */
    public JsonNode ready() {
        return ready;
    }

    /** The replica that accepted this connection ({@code ready.server}). */
    public String server() {
        return ready.path("server").asText();
    }

    /** lastSeq of a room as {@code ready} announced it, -1 when the room is not listed. */
    public long readyLastSeq(String room) {
        for (JsonNode r : ready.path("rooms")) {
            if (room.equals(r.path("name").asText())) {
                return r.path("lastSeq").asLong();
            }
        }
        return -1;
    }

    /** Sends a frame built from alternating keys and values, adding a fresh ref; answers the ref. */
    public String send(Object... keyValues) {
        Map<String, Object> frame = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            frame.put((String) keyValues[i], keyValues[i + 1]);
        }
        String ref = (String) frame.computeIfAbsent("ref", k -> "r" + (++refs));
        try {
            sendRaw(JSON.writeValueAsString(frame));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
        return ref;
    }

    public void send(ObjectNode frame) {
        try {
            sendRaw(JSON.writeValueAsString(frame));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public synchronized void sendRaw(String text) {
        socket.sendText(text, true)
                .orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS)
                .join();
    }

    /** Waits for the next frame (also among those received earlier but not yet taken) that matches. */
    public JsonNode await(Predicate<JsonNode> match) {
        return await(match, WAIT);
    }

    public JsonNode await(Predicate<JsonNode> match, Duration wait) {
        synchronized (seen) {
            for (int i = 0; i < seen.size(); i++) {
                if (match.test(seen.get(i))) {
                    return seen.remove(i);
                }
            }
        }
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            boolean closed = closeCode.isDone();
            JsonNode next;
            try {
                next = left > 0
                        ? inbox.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS)
                        : null;
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            if (next == null && (left <= 0 || closed)) {
                synchronized (seen) {
                    throw new AssertionError("no matching frame within " + wait + "; unmatched: " + seen
                            + (closed ? " (socket closed: " + closeCode.getNow(null) + ")" : ""));
                }
            }
            if (next == null) {
                continue;
            }
            if (match.test(next)) {
                return next;
            }
            synchronized (seen) {
                seen.add(next);
            }
        }
    }

    /** The next frame not yet taken, or null after {@code wait}; for readers that take every frame in order. */
    public JsonNode poll(Duration wait) throws InterruptedException {
        synchronized (seen) {
            if (!seen.isEmpty()) {
                return seen.remove(0);
            }
        }
        return inbox.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Waits for the reply to a ref. */
    public JsonNode reply(String ref) {
        return await(f -> ref.equals(f.path("ref").asText(null)));
    }

    public JsonNode awaitType(String type) {
        return await(f -> type.equals(f.path("type").asText()));
    }

    /** Asserts the reply to ref is an error with that code. */
    public void expectError(String ref, String code) {
        JsonNode reply = reply(ref);
        assertThat(reply.path("type").asText()).as("reply %s", reply).isEqualTo("error");
        assertThat(reply.path("code").asText()).as("reply %s", reply).isEqualTo(code);
    }

    /** Frames of a type received so far and not yet taken, without waiting. */
    public List<JsonNode> drain(String type) {
        List<JsonNode> out = new ArrayList<>();
        synchronized (seen) {
            inbox.drainTo(seen);
            seen.removeIf(f -> {
                if (type.equals(f.path("type").asText())) {
                    out.add(f);
                    return true;
                }
                return false;
            });
        }
        return out;
    }

    /** Every frame received so far, taken or not, in arrival order. */
    public List<JsonNode> frames() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    public int awaitClose() {
        return closeCode.orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    /** The close code (1006 for a dropped connection), or null when still open after the timeout. */
    public Integer awaitClosed(Duration timeout) throws InterruptedException {
        try {
            return closeCode.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            throw new AssertionError(e);
        }
    }

    public boolean isClosed() {
        return closeCode.isDone();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(1000, "bye");
        }
        socket.abort();
    }

    @Override
    public String toString() {
        // Unique per client: tests key maps by it.
        return "WsClient@" + Integer.toHexString(System.identityHashCode(this)) + "[server="
                + (ready == null ? "?" : server()) + ", closed=" + closeCode.isDone() + "]";
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public void onOpen(WebSocket webSocket) {
            if (autoRead) {
                webSocket.request(Long.MAX_VALUE);
            }
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                JsonNode frame;
                try {
                    frame = JSON.readTree(partial.toString());
                } catch (Exception e) {
                    throw new AssertionError("server sent invalid JSON: " + partial, e);
                }
                partial.setLength(0);
                synchronized (history) {
                    history.add(frame);
                }
                inbox.add(frame);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closeCode.complete(1006);
        }
    }
}
