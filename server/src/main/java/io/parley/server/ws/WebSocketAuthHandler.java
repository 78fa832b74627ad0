package io.parley.server.ws;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.parley.protocol.ErrorCode;
import io.parley.server.ApiException;
import io.parley.server.Failures;
import io.parley.server.auth.IdentityCheck;
import io.parley.server.auth.Principal;
import io.parley.server.auth.TokenService;
import io.parley.server.http.HttpResponses;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Authenticates the WebSocket upgrade before the handshake: checks the Origin allow-list and the token (header, or
 * the {@code bearer.} subprotocol browsers must use), refuses with 401/403 and the REST error body, and on success
 * swaps the REST handler for a frame handler bound to the principal.
 */
@ChannelHandler.Sharable
public final class WebSocketAuthHandler extends ChannelInboundHandlerAdapter {
    public static final String PATH = "/ws";
    private static final String BEARER_PROTOCOL = "bearer.";

    private final TokenService tokens;
    private final IdentityCheck identities;
    private final UserConnectionLimit connectionLimit;
    private final Set<String> allowedOrigins;
    private final HttpResponses responses;
    private final Function<Principal, ChannelHandler> frameHandlers;
    private final String replacedHandler;

    public WebSocketAuthHandler(
            TokenService tokens,
            IdentityCheck identities,
            UserConnectionLimit connectionLimit,
            Set<String> allowedOrigins,
            HttpResponses responses,
            Function<Principal, ChannelHandler> frameHandlers,
            String replacedHandler) {
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.identities = Objects.requireNonNull(identities, "identities");
        this.connectionLimit = Objects.requireNonNull(connectionLimit, "connectionLimit");
        this.allowedOrigins = Set.copyOf(allowedOrigins);
        this.responses = Objects.requireNonNull(responses, "responses");
        this.frameHandlers = Objects.requireNonNull(frameHandlers, "frameHandlers");
        this.replacedHandler = Objects.requireNonNull(replacedHandler, "replacedHandler");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request)
                || !PATH.equals(new QueryStringDecoder(request.uri()).rawPath())) {
            ctx.fireChannelRead(msg);
            return;
        }
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (origin != null && !allowedOrigins.isEmpty() && !allowedOrigins.contains(origin)) {
            refuse(ctx, request, ErrorCode.FORBIDDEN_ORIGIN, "origin not allowed");
            return;
        }
        Optional<Principal> claimed = tokens.verify(tokenOf(request));
        if (claimed.isEmpty()) {
            refuse(ctx, request, ErrorCode.UNAUTHORIZED, "missing, malformed or expired token");
            return;
        }
        CompletableFuture<Optional<Principal>> current = identities.current(claimed.get());
        if (current.isDone()) {
            admit(ctx, request, current);
            return;
        }
        // Nothing more is read until the database has answered, so nothing can overtake the upgrade.
        ctx.channel().config().setAutoRead(false);
        current.whenComplete((p, failure) -> ctx.executor().execute(() -> {
            ctx.channel().config().setAutoRead(true);
            admit(ctx, request, current);
        }));
    }

    private void admit(
            ChannelHandlerContext ctx, FullHttpRequest request, CompletableFuture<Optional<Principal>> current) {
        if (!ctx.channel().isActive()) {
            request.release();
            return;
        }
        Optional<Principal> principal;
        try {
            principal = current.join();
        } catch (RuntimeException e) {
            ApiException failure = Failures.toApi(e);
            refuse(ctx, request, failure.code(), failure.getMessage());
            return;
        }
        if (principal.isEmpty()) {
            refuse(ctx, request, ErrorCode.UNAUTHORIZED, "no such user");
            return;
        }
        long userId = principal.get().userId();
        if (!connectionLimit.tryAcquire(userId)) {
            refuse(
                    ctx,
                    request,
                    ErrorCode.TOO_MANY_CONNECTIONS,
                    "more than " + connectionLimit.maxPerUser() + " connections of one user on this server");
            return;
        }
        ctx.channel().closeFuture().addListener(f -> connectionLimit.release(userId));
        ctx.pipeline().replace(replacedHandler, "ws-frames", frameHandlers.apply(principal.get()));
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(request);
    }

    /** The header wins over the subprotocol when both carry a token. */
    private static String tokenOf(FullHttpRequest request) {
        String header = TokenService.bearer(request.headers().get(HttpHeaderNames.AUTHORIZATION));
        if (header != null) {
            return header;
        }
        for (String offered : request.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL)) {
            for (String protocol : offered.split(",")) {
                String p = protocol.trim();
                if (p.startsWith(BEARER_PROTOCOL)) {
                    return p.substring(BEARER_PROTOCOL.length());
                }
            }
        }
        return null;
    }

    private void refuse(ChannelHandlerContext ctx, FullHttpRequest request, ErrorCode code, String message) {
        request.release();
        FullHttpResponse response = responses.error(code, message);
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
