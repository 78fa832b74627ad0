package io.parley.server.chat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.ServerFrame;
import io.parley.server.auth.Principal;
import io.parley.server.metrics.Metrics;
import io.parley.server.ws.ClosingHandshake;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One WebSocket connection's state. Everything mutable here is touched only on the channel's event loop, so it
 * needs no locks; other threads hop there with {@link #execute}.
 */
public final class Connection {
    /** Past this many bytes waiting for a client that does not read, it is disconnected. */
    static final long MAX_PENDING_BYTES = 2 * 1024 * 1024;
    /** Past this many frames held back behind an unacknowledged send, the client is too slow. */
    private static final int MAX_DEFERRED = 1024;

    private final String id;
    private final Principal principal;
    private final Channel channel;
    private final FrameCodec codec;
    private final Metrics metrics;
    private final RateLimiter rateLimiter;
    private final Set<String> rooms = new HashSet<>();
    private final Set<Long> unacked = new HashSet<>(4);
    /**
     * Where this connection's frames enter the pipeline: at the closing handshake, past the handlers above it (the
     * frame handler, the protocol handler) that only pass writes and flushes on, which costs a few µs per delivery
     * at fan-out rates. Null on a bare channel (tests): then the channel's own write.
     */
    private final ClosingHandshake handshake;

    private final ChannelHandlerContext entry;
    private ArrayDeque<Held> deferred;
    private int strikes;
    private boolean unflushed;
    private boolean open = true;
    private boolean registered;
    // The newest queue-bound frame's step (ChatService.inOrder): done once it reached the queue or was answered.
    private CompletableFuture<Void> queueOrder = CompletableFuture.completedFuture(null);

    public Connection(
            String id,
            Principal principal,
            Channel channel,
            FrameCodec codec,
            Metrics metrics,
            int ratePerSecond,
            int rateBurst) {
        this.id = Objects.requireNonNull(id, "id");
        this.principal = Objects.requireNonNull(principal, "principal");
        this.channel = Objects.requireNonNull(channel, "channel");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.rateLimiter = new RateLimiter(ratePerSecond, rateBurst, System.nanoTime());
        this.handshake = channel.pipeline().get(ClosingHandshake.class);
        this.entry = handshake == null ? null : channel.pipeline().context(handshake);
    }

    public String id() {
        return id;
    }

    public Principal principal() {
        return principal;
    }

    public Channel channel() {
        return channel;
    }

    Set<String> rooms() {
        return rooms;
    }

    /** Event loop only. */
    CompletableFuture<Void> queueOrder() {
        return queueOrder;
    }

    /** Event loop only. */
    void queueOrder(CompletableFuture<Void> step) {
        queueOrder = step;
    }

    boolean isOpen() {
        return open && channel.isActive();
    }

    /** True once the hub knows this connection, so that closing it must also unregister it. */
    boolean registered() {
        return registered;
    }

    void markRegistered() {
        registered = true;
    }

    void markClosed() {
        open = false;
        if (deferred != null) {
            deferred.forEach(h -> h.frame().release());
            deferred = null;
        }
    }

    public void execute(Runnable task) {
        channel.eventLoop().execute(task);
    }

    /** Takes a rate token: 0 when the frame may proceed, else milliseconds to wait; counts strikes for floods. */
    public long admit() {
        long wait = rateLimiter.tryAcquire(System.nanoTime());
        strikes = wait == 0 ? 0 : strikes + 1;
        return wait;
    }

    public int strikes() {
        return strikes;
    }

    /** Encodes and writes a reply now. */
    public void send(ServerFrame frame) {
        if (isOpen()) {
            write(new TextWebSocketFrame(Unpooled.wrappedBuffer(codec.encode(frame))));
            metrics.frameOut(frame);
            unflushed = false;
            flush();
        }
    }

    void sendPending(long messageId) {
        unacked.add(messageId);
    }

    /** Writes the ack of a send, then whatever was held back until that ack had gone out. */
    void acknowledged(long messageId, ServerFrame reply) {
        unacked.remove(messageId);
        send(reply);
        while (deferred != null && !deferred.isEmpty()) {
            if (unacked.contains(deferred.peek().messageId())) {
                break;
            }
            write(deferred.poll().frame());
        }
        if (deferred != null && deferred.isEmpty()) {
            deferred = null;
        }
        unflushed = false;
        flush();
    }

    /**
     * Writes a shared, fully encoded broadcast frame (see {@link WireFrames}) without flushing; answers whether it
     * was written, so the caller flushes once per batch. A stored message whose ack has not gone out yet is held
     * back, with everything after it, so that the sender always sees {@code ack} before its {@code message}.
     */
    boolean deliver(ByteBuf wireFrame, long messageId) {
        if (!isOpen()) {
            wireFrame.release();
            return false;
        }
        if (deferred != null || (messageId != 0 && !unacked.isEmpty() && unacked.contains(messageId))) {
            if (deferred == null) {
                deferred = new ArrayDeque<>();
            }
            if (deferred.size() >= MAX_DEFERRED) {
                wireFrame.release();
                closeSlowReader();
                return false;
            }
            deferred.add(new Held(wireFrame, messageId));
            return false;
        }
        write(wireFrame);
        if (unflushed) {
            return false; // already in the caller's list of connections to flush
        }
        unflushed = true;
        return true;
    }

    /** Flushes what {@link #deliver} wrote. */
    void flushDelivered() {
        unflushed = false;
        flush();
    }

    private void flush() {
        if (entry == null || entry.isRemoved()) {
            channel.flush();
        } else {
            entry.flush();
        }
    }

    /** Writes an encoded frame, or a {@link TextWebSocketFrame} for the WebSocket encoder to frame. */
    private void write(Object frame) {
        if (!channel.isWritable()) {
            ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
            if (buffer != null && buffer.totalPendingWriteBytes() > MAX_PENDING_BYTES) {
                io.netty.util.ReferenceCountUtil.release(frame);
                closeSlowReader();
                return;
            }
        }
        if (entry == null || entry.isRemoved()) {
            channel.write(frame, channel.voidPromise());
        } else if (handshake.closing()) {
            io.netty.util.ReferenceCountUtil.release(frame); // after our close frame nothing more may be sent
        } else {
            entry.write(frame, entry.voidPromise());
        }
    }

    private void closeSlowReader() {
        // Memory stays bounded: drop the client; it recovers with history after reconnecting.
        markClosed();
        metrics.slowReaderDisconnected();
        ClosingHandshake.close(channel, WebSocketCloseStatus.TRY_AGAIN_LATER.code(), "too slow");
    }

    /** A broadcast frame held back; {@code messageId} is 0 for frames that are not messages. */
    private record Held(ByteBuf frame, long messageId) {}
}
