package io.parley.load.net;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.parley.protocol.ClientFrame;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.ServerFrame;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * One client WebSocket connection: completes {@link #ready()} with the server's {@code ready} frame (or fails with
 * the reason it never came), sends client frames, and remembers how it closed.
 */
public final class Connection {
    /** Close code recorded when the TCP connection ended without a close frame. */
    public static final int ABNORMAL_CLOSE = 1006;

    private final int id;
    private final FrameCodec codec;
    private final ConnectionListener listener;
    private final CompletableFuture<ServerFrame.Ready> ready = new CompletableFuture<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final long startNanos;
    private volatile Channel channel;
    private volatile int closeCode = ABNORMAL_CLOSE;
    private volatile long readyNanos;

    Connection(int id, FrameCodec codec, ConnectionListener listener, long startNanos) {
        this.id = id;
        this.codec = Objects.requireNonNull(codec, "codec");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.startNanos = startNanos;
    }

    public int id() {
        return id;
    }

    public ConnectionListener listener() {
        return listener;
    }

    /** Completes with the {@code ready} frame; fails with {@link ConnectFailure} naming why. */
    public CompletableFuture<ServerFrame.Ready> ready() {
        return ready;
    }

    /** Completes with the close code once the connection is gone. */
    public CompletableFuture<Integer> closed() {
        return closed;
    }

    /** Nanoseconds from starting the TCP connect to the {@code ready} frame, or -1 before it came. */
    public long connectNanos() {
        long r = readyNanos;
        return r == 0 ? -1 : r - startNanos;
    }

    public boolean isOpen() {
        Channel ch = channel;
        return ch != null && ch.isActive() && ready.isDone() && !ready.isCompletedExceptionally();
    }

    public Channel channel() {
        return channel;
    }

    /** Encodes with the protocol codec and sends. */
    public void send(ClientFrame frame) {
        sendEncoded(codec.encodeClient(frame));
    }

    public void sendEncoded(byte[] json) {
        Channel ch = channel;
        if (ch != null) {
            ch.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(json)), ch.voidPromise());
        }
    }

    public void close() {
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }

    // ---------------------------------------------------------------- called by the transport and handler

    void attach(Channel ch) {
        this.channel = ch;
    }

    void readyReceived(ServerFrame.Ready frame, long nanos) {
        readyNanos = nanos;
        ready.complete(frame);
    }

    void fail(ConnectFailure failure) {
        ready.completeExceptionally(failure);
    }

    void closeCode(int code) {
        closeCode = code;
    }

    void ended() {
        int code = closeCode;
        ready.completeExceptionally(new ConnectFailure("closed_" + code, "closed with " + code + " before ready"));
        if (closed.complete(code)) {
            listener.onClosed(this, code);
        }
    }

    @Override
    public String toString() {
        return "Connection[" + id + "]";
    }
}
