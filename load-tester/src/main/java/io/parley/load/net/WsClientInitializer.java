package io.parley.load.net;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.util.Objects;

/** The client pipeline: HTTP upgrade with the bearer token, then WebSocket frames to {@link WsFrameHandler}. */
final class WsClientInitializer extends ChannelInitializer<SocketChannel> {
    static final String SUBPROTOCOL = "parley.v1";
    /** Server frames are at most 16 KiB by protocol; a ready frame listing many rooms can be larger. */
    private static final int MAX_FRAME_BYTES = 1024 * 1024;

    private static final int MAX_UPGRADE_RESPONSE_BYTES = 16 * 1024;
    private static final long HANDSHAKE_TIMEOUT_MILLIS = 30_000;

    private final Target target;
    private final String token;
    private final Connection connection;
    private final FrameReader reader;

    WsClientInitializer(Target target, String token, Connection connection, FrameReader reader) {
        this.target = Objects.requireNonNull(target, "target");
        this.token = Objects.requireNonNull(token, "token");
        this.connection = Objects.requireNonNull(connection, "connection");
        this.reader = Objects.requireNonNull(reader, "reader");
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(target.uri())
                .subprotocol(SUBPROTOCOL)
                .version(WebSocketVersion.V13)
                .customHeaders(new DefaultHttpHeaders().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token))
                .maxFramePayloadLength(MAX_FRAME_BYTES)
                .handleCloseFrames(false) // the frame handler records the close code
                .dropPongFrames(true)
                .generateOriginHeader(false) // a program, not a browser: no Origin
                .handshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS)
                .build();
        ChannelPipeline p = ch.pipeline();
        p.addLast(new HttpClientCodec()); // HTTP for the upgrade
        p.addLast(new HttpObjectAggregator(MAX_UPGRADE_RESPONSE_BYTES)); // the 101 or refusal as one response
        p.addLast(new WebSocketClientProtocolHandler(config)); // handshake, masking, ping -> pong
        p.addLast(new WsFrameHandler(connection, reader)); // text frames -> listener
    }
}
