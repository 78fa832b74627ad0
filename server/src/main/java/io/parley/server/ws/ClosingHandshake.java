package io.parley.server.ws;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The one place where a WebSocket connection's close frames are sent and received (RFC 6455 section 7): exactly one
 * close frame per connection, whoever starts. When the server closes it stops passing application frames on, keeps
 * reading and discarding input until the client's close frame arrives (or a short linger), and only then closes the
 * TCP connection, so a client that is still sending gets a close instead of a reset. A client's close is answered
 * with its own code, or 1002 when that code is not one a peer may send; frame-level protocol violations close with
 * the code the decoder chose and are logged as one rate-limited line.
 *
 * <p>Sits after the frame decoder and before the protocol handler; everything else closes a connection through
 * {@link #close(Channel, int, String)}.
 */
public final class ClosingHandshake extends ChannelDuplexHandler {
    /** How long the client has to answer our close frame once it is on the wire. */
    static final long LINGER_MS = 2_000;
    /** After a malformed frame nothing more is decoded, so the client's answer cannot be seen: drain briefly. */
    static final long CORRUPT_LINGER_MS = 1_000;
    /** How long a close frame may wait behind a slow reader's backlog before the connection is dropped. */
    static final long WRITE_TIMEOUT_MS = 20_000;

    private final ProtocolViolationLog violations;
    private boolean closing;
    private boolean clientClosed;
    private boolean corrupt;
    private ScheduledFuture<?> deadline;

    public ClosingHandshake(ProtocolViolationLog violations) {
        this.violations = Objects.requireNonNull(violations, "violations");
    }

    /** Starts the closing handshake from any thread; a connection that is already closing keeps its first code. */
    public static void close(Channel channel, int code, String reason) {
        ClosingHandshake handshake = channel.pipeline().get(ClosingHandshake.class);
        if (handshake == null) {
            channel.writeAndFlush(new CloseWebSocketFrame(code, reason)); // a bare channel (tests): no handshake
            channel.close();
        } else if (channel.eventLoop().inEventLoop()) {
            handshake.start(channel.pipeline().context(handshake), code, reason);
        } else {
            channel.eventLoop().execute(() -> handshake.start(channel.pipeline().context(handshake), code, reason));
        }
    }

    /**
     * True once our close frame is on its way: nothing more may be written. A caller that writes through this
     * handler's context (past the handlers above it, as broadcasts do) must check this first, as {@link #write} does.
     */
    public boolean closing() {
        return closing;
    }

    private void start(ChannelHandlerContext ctx, int code, String reason) {
        if (ctx == null || closing) {
            return; // removed with the channel, or already closing
        }
        closing = true;
        if (ctx.channel().isActive()) {
            sendClose(ctx, new CloseWebSocketFrame(code, reason), ctx.newPromise());
        }
    }

    /** Writes our one close frame, then gives the client {@link #LINGER_MS} to answer before closing TCP. */
    private void sendClose(ChannelHandlerContext ctx, CloseWebSocketFrame frame, ChannelPromise promise) {
        deadline = ctx.executor().schedule(() -> ctx.channel().close(), WRITE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        ctx.writeAndFlush(frame, promise.unvoid()).addListener((ChannelFutureListener) f -> {
            deadline.cancel(false);
            if (!f.isSuccess() || clientClosed) {
                f.channel().close();
            } else if (f.channel().isActive()) {
                deadline = ctx.executor()
                        .schedule(
                                () -> ctx.channel().close(),
                                corrupt ? CORRUPT_LINGER_MS : LINGER_MS,
                                TimeUnit.MILLISECONDS);
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof WebSocketFrame)) {
            ctx.fireChannelRead(msg); // still HTTP
        } else if (closing) {
            boolean answer = msg instanceof CloseWebSocketFrame;
            ReferenceCountUtil.release(msg);
            if (answer) {
                ctx.channel().close(); // the handshake is complete
            }
        } else if (msg instanceof CloseWebSocketFrame close) {
            int code = close.statusCode();
            close.release();
            answerClientClose(ctx, code);
        } else if (((WebSocketFrame) msg).rsv() != 0) {
            // Reserved bits that no negotiated extension consumed (RFC 6455 section 5.2).
            ReferenceCountUtil.release(msg);
            violations.log(ctx.channel(), 1002, "reserved bits set without an extension that defines them");
            start(ctx, WebSocketCloseStatus.PROTOCOL_ERROR.code(), "protocol violation");
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    /** Echoes a valid code (1000 when the client gave none) and closes; RFC 6455 section 7.4 says which are valid. */
    private void answerClientClose(ChannelHandlerContext ctx, int code) {
        closing = true;
        int answer = code == -1
                ? WebSocketCloseStatus.NORMAL_CLOSURE.code()
                : isValidFromPeer(code) ? code : WebSocketCloseStatus.PROTOCOL_ERROR.code();
        ctx.writeAndFlush(new CloseWebSocketFrame(answer, answer == code || code == -1 ? "" : "invalid close code"))
                .addListener(ChannelFutureListener.CLOSE);
    }

    static boolean isValidFromPeer(int code) {
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException corrupted) {
            violations.log(ctx.channel(), corrupted.closeStatus().code(), corrupted.getMessage());
            corrupt = true;
            String what = String.valueOf(corrupted.getMessage()).toLowerCase(Locale.ROOT);
            if (what.contains("close") && what.contains("frame")) {
                // A malformed close frame (a code like 999): the client has closed its side, no answer will come.
                clientClosed = true;
            }
            start(ctx, corrupted.closeStatus().code(), "protocol violation");
        } else if (cause instanceof DecompressionException || cause.getCause() instanceof DecompressionException) {
            // permessage-deflate: a frame that inflates past 16 KiB (a zip bomb stops there), or is not deflate.
            String what = String.valueOf(cause.getMessage());
            int code = what.contains("maximum size")
                    ? WebSocketCloseStatus.MESSAGE_TOO_BIG.code()
                    : WebSocketCloseStatus.INVALID_PAYLOAD_DATA.code();
            violations.log(ctx.channel(), code, what);
            start(ctx, code, code == 1009 ? "frame over 16 KiB after decompression" : "invalid compressed data");
        } else if (!closing) {
            ctx.fireExceptionCaught(cause);
        } // else the connection is on its way out: nothing to add
    }

    /**
     * After our close frame nothing else may be sent (section 5.5.1): late writes are dropped, not queued. A close
     * frame written by someone else becomes the connection's one close frame, with the same linger.
     */
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            if (!promise.isVoid()) {
                promise.trySuccess();
            }
        } else if (msg instanceof CloseWebSocketFrame close) {
            closing = true;
            sendClose(ctx, close, promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (deadline != null) {
            deadline.cancel(false);
        }
        ctx.fireChannelInactive();
    }
}
