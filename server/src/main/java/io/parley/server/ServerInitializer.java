package io.parley.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionFilter;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionFilterProvider;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import io.netty.handler.timeout.IdleStateHandler;
import io.parley.protocol.Limits;
import io.parley.server.http.BoundedHttpAggregator;
import io.parley.server.http.HttpResponses;
import io.parley.server.ws.ClosingHandshake;
import io.parley.server.ws.ProtocolViolationLog;
import io.parley.server.ws.WebSocketAuthHandler;
import java.util.Objects;

/** The pipeline of every accepted connection: HTTP first, a WebSocket once the upgrade is authenticated. */
final class ServerInitializer extends ChannelInitializer<SocketChannel> {
    static final String REST_HANDLER = "rest";

    private final WebSocketAuthHandler webSocketAuth;
    private final ChannelHandler restHandler;
    private final HttpResponses responses;
    private final int pingIntervalSeconds;
    private final int idleTimeoutSeconds;
    private final ProtocolViolationLog violations = new ProtocolViolationLog();
    private final WebSocketServerProtocolConfig webSocketConfig = WebSocketServerProtocolConfig.newBuilder()
            .websocketPath(WebSocketAuthHandler.PATH)
            .subprotocols("parley.v1")
            .checkStartsWith(false)
            .handshakeTimeoutMillis(10_000)
            .dropPongFrames(true)
            .decoderConfig(WebSocketDecoderConfig.newBuilder()
                    .maxFramePayloadLength(Limits.MAX_FRAME_BYTES)
                    .allowExtensions(true) // RSV1 marks a compressed frame; ws-close refuses any bit left over
                    // ClosingHandshake answers violations: one close frame, then drain instead of a reset.
                    .closeOnProtocolViolation(false)
                    .withUTF8Validator(false)
                    .build())
            .build();

    ServerInitializer(
            WebSocketAuthHandler webSocketAuth,
            ChannelHandler restHandler,
            HttpResponses responses,
            int pingIntervalSeconds,
            int idleTimeoutSeconds) {
        this.pingIntervalSeconds = pingIntervalSeconds;
        this.idleTimeoutSeconds = idleTimeoutSeconds;
        this.webSocketAuth = Objects.requireNonNull(webSocketAuth, "webSocketAuth");
        this.restHandler = Objects.requireNonNull(restHandler, "restHandler");
        this.responses = Objects.requireNonNull(responses, "responses");
    }

    /**
     * Browsers always offer permessage-deflate. The server inflates what they send, never more than a frame's
     * 16 KiB, and asks them not to keep context between messages so the inflater can be freed; it sends
     * uncompressed (which the extension allows), so broadcasts stay one shared encoded buffer and no connection
     * holds a deflater's 256 KiB.
     */
    private static PerMessageDeflateServerExtensionHandshaker deflate() {
        return new PerMessageDeflateServerExtensionHandshaker(
                6,
                false,
                15,
                false,
                true,
                new WebSocketExtensionFilterProvider() {
                    @Override
                    public WebSocketExtensionFilter encoderFilter() {
                        return WebSocketExtensionFilter.ALWAYS_SKIP;
                    }

                    @Override
                    public WebSocketExtensionFilter decoderFilter() {
                        return WebSocketExtensionFilter.NEVER_SKIP;
                    }
                },
                Limits.MAX_FRAME_BYTES);
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ch.pipeline()
                // HTTP/1.1 with bounded request line and headers.
                .addLast("http", new HttpServerCodec(4096, 8192, 8192))
                // Whole requests, at most 16 KiB of body; larger ones get too_large.
                .addLast("aggregate", new BoundedHttpAggregator(Limits.MAX_HTTP_BODY_BYTES, responses))
                // Close after 60 s of silence from the client (default); WebSocket pings run on their own fixed
                // schedule.
                .addLast("idle", new IdleStateHandler(idleTimeoutSeconds, pingIntervalSeconds, 0))
                // permessage-deflate: what clients send is inflated, at most 16 KiB per frame (else 1009).
                .addLast("ws-deflate", new WebSocketServerExtensionHandler(deflate()))
                // Text frames must be UTF-8 (1007); ahead of ws-close, which turns the violation into a clean close.
                .addLast("ws-utf8", new Utf8FrameValidator(false))
                // The closing handshake in both directions: one close frame, then drain until the client's.
                .addLast("ws-close", new ClosingHandshake(violations))
                // Token and Origin checks before the upgrade; swaps "rest" for a frame handler on success.
                .addLast("ws-auth", webSocketAuth)
                // Handshake, ping/pong, close, and the 16 KiB frame limit (1009).
                .addLast("ws-protocol", new WebSocketServerProtocolHandler(webSocketConfig))
                // Fragmented messages joined, within the same 16 KiB.
                .addLast("ws-aggregate", new WebSocketFrameAggregator(Limits.MAX_FRAME_BYTES))
                // REST endpoints, or after the upgrade the connection's WebSocketFrameHandler.
                .addLast(REST_HANDLER, restHandler);
    }
}
