package io.parley.server.ws;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.parley.protocol.ClientFrame;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.FrameException;
import io.parley.protocol.ServerFrame;
import io.parley.server.ApiException;
import io.parley.server.auth.Principal;
import io.parley.server.chat.ChatService;
import io.parley.server.chat.Connection;
import io.parley.server.metrics.Metrics;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket connection's application frames: decodes them, applies the rate limit, and hands them to the
 * {@link ChatService}; also heartbeats, idle close and the close at token expiry. Handshake, ping/pong and close
 * frames are the protocol handler's.
 */
public final class WebSocketFrameHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
    private static final Logger log = LoggerFactory.getLogger(WebSocketFrameHandler.class);
    /** Close code for an expired token (PROTOCOL.md). */
    public static final int TOKEN_EXPIRED = 4001;
    /** Rate-limited frames in a row after which a flooding client is closed with 1008. */
    public static final int FLOOD_STRIKES = 20;

    private final Principal principal;
    private final ChatService chat;
    private final FrameCodec codec;
    private final Metrics metrics;
    private final String connectionId;
    private final int ratePerSecond;
    private final int rateBurst;
    private final int pingIntervalSeconds;
    private Connection connection;
    private ScheduledFuture<?> pings;

    public WebSocketFrameHandler(
            Principal principal,
            ChatService chat,
            FrameCodec codec,
            Metrics metrics,
            String connectionId,
            int ratePerSecond,
            int rateBurst,
            int pingIntervalSeconds) {
        super(false);
        this.pingIntervalSeconds = pingIntervalSeconds;
        this.principal = principal;
        this.chat = chat;
        this.codec = codec;
        this.metrics = metrics;
        this.connectionId = connectionId;
        this.ratePerSecond = ratePerSecond;
        this.rateBurst = rateBurst;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            connection =
                    new Connection(connectionId, principal, ctx.channel(), codec, metrics, ratePerSecond, rateBurst);
            dropWriterIdle(ctx);
            long untilExpiry =
                    Duration.between(Instant.now(), principal.expiresAt()).toMillis();
            ctx.executor()
                    .schedule(
                            () -> close(ctx, TOKEN_EXPIRED, "token expired"),
                            Math.max(0, untilExpiry),
                            TimeUnit.MILLISECONDS);
            // A fixed schedule, whatever else is written: a client that only reads must still get pings to answer.
            pings = ctx.executor()
                    .scheduleAtFixedRate(
                            () -> ctx.writeAndFlush(new PingWebSocketFrame()),
                            pingIntervalSeconds,
                            pingIntervalSeconds,
                            TimeUnit.SECONDS);
            chat.open(connection);
        } else if (evt instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.READER_IDLE) {
                close(ctx, WebSocketCloseStatus.ENDPOINT_UNAVAILABLE.code(), "idle timeout");
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        try {
            if (connection == null) {
                return; // the handshake has not completed; nothing can legitimately arrive yet
            }
            long waitMs = connection.admit();
            ClientFrame decoded = null;
            FrameException invalid = null;
            if (frame instanceof TextWebSocketFrame text) {
                try {
                    decoded = codec.decodeClient(ByteBufUtil.getBytes(text.content()));
                } catch (FrameException e) {
                    invalid = e;
                }
            } else {
                invalid = new FrameException(ErrorCode.BAD_REQUEST, "only text frames are accepted", null);
            }
            metrics.frameIn(decoded);
            String ref = decoded != null ? decoded.ref() : invalid.ref();
            if (waitMs > 0) {
                if (connection.strikes() > FLOOD_STRIKES) {
                    close(ctx, WebSocketCloseStatus.POLICY_VIOLATION.code(), "flooding");
                    return;
                }
                metrics.error(ErrorCode.RATE_LIMITED);
                connection.send(new ServerFrame.Error(
                        ref, ErrorCode.RATE_LIMITED, "more than " + ratePerSecond + " frames/s", waitMs));
            } else if (invalid != null) {
                chat.error(connection, ref, new ApiException(invalid.code(), invalid.getMessage()));
            } else {
                chat.handle(connection, decoded);
            }
        } finally {
            frame.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (pings != null) {
            pings.cancel(false);
        }
        if (connection != null) {
            chat.closed(connection);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            close(ctx, WebSocketCloseStatus.MESSAGE_TOO_BIG.code(), "frame over 16 KiB");
        } else if (cause instanceof IOException) {
            log.debug("Connection {} failed: {}", connectionId, cause.toString());
            ctx.close();
        } else {
            log.warn("Connection {} failed", connectionId, cause);
            close(ctx, WebSocketCloseStatus.INTERNAL_SERVER_ERROR.code(), "internal error");
        }
    }

    /**
     * Pings run on their own schedule (above), so the writer-idle timer the HTTP phase closes idle keep-alives with
     * only costs a WebSocket: it puts a promise and a listener on every frame written. Reader idle stays.
     */
    private static void dropWriterIdle(ChannelHandlerContext ctx) {
        IdleStateHandler idle = ctx.pipeline().get(IdleStateHandler.class);
        if (idle != null && idle.getWriterIdleTimeInMillis() > 0) {
            ctx.pipeline()
                    .replace(
                            idle,
                            ctx.pipeline().context(idle).name(),
                            new IdleStateHandler(idle.getReaderIdleTimeInMillis(), 0, 0, TimeUnit.MILLISECONDS));
        }
    }

    private static void close(ChannelHandlerContext ctx, int code, String reason) {
        ClosingHandshake.close(ctx.channel(), code, reason);
    }
}
