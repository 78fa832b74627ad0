package io.parley.nginx;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A protocol v1 WebSocket client (java.net.http) that records every frame it receives. */
final class ChatSocket implements WebSocket.Listener, AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** How the token travels: a subprotocol (as browsers do) or the Authorization header (as programs do). */
    enum TokenIn { SUBPROTOCOL, HEADER }

    private final List<JsonNode> frames = new ArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private WebSocket socket;
    private JsonNode ready;

    private ChatSocket() {
    }

    /** Connects, checks the negotiated subprotocol and waits for {@code ready}. */
    static ChatSocket open(HttpClient client, URI uri, String token, TokenIn tokenIn, Duration timeout)
            throws Exception {
        ChatSocket chat = new ChatSocket();
        WebSocket.Builder builder = client.newWebSocketBuilder().connectTimeout(timeout);
        if (tokenIn == TokenIn.HEADER) {
            builder.header("Authorization", "Bearer " + token).subprotocols("parley.v1");
        } else {
            builder.subprotocols("parley.v1", "bearer." + token);
        }
        chat.socket = builder.buildAsync(uri, chat).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!"parley.v1".equals(chat.socket.getSubprotocol())) {
            chat.socket.abort();
            throw new AssertionError("negotiated subprotocol: '" + chat.socket.getSubprotocol()
                    + "' (expected: parley.v1, never the token)");
        }
        chat.ready = chat.await(f -> "ready".equals(f.path("type").asText()), timeout);
        return chat;
    }

    JsonNode ready() {
        return ready;
    }

    /** The replica that accepted this connection ({@code ready.server}). */
    String server() {
        return ready.path("server").asText();
    }

    /** lastSeq of a room as {@code ready} announced it, -1 when the room is not listed. */
    long readyLastSeq(String room) {
        for (JsonNode r : ready.path("rooms")) {
            if (room.equals(r.path("name").asText())) {
                return r.path("lastSeq").asLong();
            }
        }
        return -1;
    }

    synchronized void send(ObjectNode frame) throws Exception {
        socket.sendText(JSON.writeValueAsString(frame), true).get(5, TimeUnit.SECONDS);
    }

    /** The first frame (received so far or within the timeout) that matches. */
    JsonNode await(Predicate<JsonNode> matches, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (frames) {
            while (true) {
                for (JsonNode f : frames) {
                    if (matches.test(f)) {
                        return f;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed.isDone()) {
                    throw new AssertionError("no matching frame within " + timeout + "; received: " + frames
                            + (closed.isDone() ? " (socket closed: " + closed.getNow(null) + ")" : ""));
                }
                TimeUnit.NANOSECONDS.timedWait(frames, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
            }
        }
    }

    /** Every frame received so far, in arrival order. */
    List<JsonNode> frames() {
        synchronized (frames) {
            return List.copyOf(frames);
        }
    }

    /** The close code (-1 for a dropped connection), or null when still open after the timeout. */
    Integer awaitClosed(Duration timeout) throws InterruptedException {
        try {
            return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return -1;
        }
    }

    boolean isClosed() {
        return closed.isDone();
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            try {
                JsonNode frame = JSON.readTree(text);
                synchronized (frames) {
                    frames.add(frame);
                    frames.notifyAll();
                }
            } catch (JsonProcessingException e) {
                closed.completeExceptionally(new AssertionError("not JSON: " + text, e));
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        wake();
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(-1);
        wake();
    }

    private void wake() {
        synchronized (frames) {
            frames.notifyAll();
        }
    }

    @Override
    public void close() {
        if (socket != null && !closed.isDone()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(2, TimeUnit.SECONDS)
                    .whenComplete((ws, e) -> socket.abort());
        }
    }

    static ObjectNode frame(String type, String ref) {
        ObjectNode node = JSON.createObjectNode().put("type", type);
        if (ref != null) {
            node.put("ref", ref);
        }
        return node;
    }

    @Override
    public String toString() {
        return "ChatSocket[server=" + (ready == null ? "?" : server()) + ", closed=" + closed.isDone() + "]";
    }
}
