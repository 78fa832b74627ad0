package io.parley.load.net;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.parley.protocol.ServerFrame;
import java.io.IOException;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Application end of a client pipeline: turns text frames into {@link InboundFrame}s for the connection's listener. */
final class WsFrameHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
    private static final Logger log = LoggerFactory.getLogger(WsFrameHandler.class);
    private final Connection connection;
    private final FrameReader reader;

    WsFrameHandler(Connection connection, FrameReader reader) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.reader = Objects.requireNonNull(reader, "reader");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) throws Exception {
        long now = System.nanoTime();
        if (frame instanceof TextWebSocketFrame text) {
            InboundFrame inbound = reader.read(text.content());
            if (inbound == null) {
                return;
            }
            if (inbound.full() instanceof ServerFrame.Ready ready) {
                connection.readyReceived(ready, now);
            }
            connection.listener().onFrame(connection, inbound, now);
        } else if (frame instanceof CloseWebSocketFrame close) {
            connection.closeCode(close.statusCode());
            ctx.writeAndFlush(new CloseWebSocketFrame(close.statusCode(), "")).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            connection.fail(new ConnectFailure("handshake_timeout", "no upgrade response in time"));
            ctx.close();
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        connection.ended();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof WebSocketClientHandshakeException e) {
            String status = e.response() == null
                    ? "?"
                    : String.valueOf(e.response().status().code());
            connection.fail(new ConnectFailure("http_" + status, "upgrade refused: " + e.getMessage()));
        } else if (cause instanceof IOException) {
            connection.fail(new ConnectFailure("io", String.valueOf(cause.getMessage())));
        } else {
            log.debug("{} failed", connection, cause);
            connection.fail(new ConnectFailure(cause.getClass().getSimpleName(), String.valueOf(cause.getMessage())));
        }
        ctx.close();
    }
}
