package io.parley.server.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.timeout.IdleStateEvent;
import io.parley.protocol.ErrorCode;
import io.parley.server.metrics.HttpRoutes;
import io.parley.server.metrics.Metrics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plain HTTP requests: the web client's files ({@link StaticFiles}), else the {@link RestApi}; writes the response back,
 * honouring keep-alive.
 */
@ChannelHandler.Sharable
public final class RestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(RestHandler.class);

    private final RestApi api;
    private final HttpResponses responses;
    private final Metrics metrics;
    private final boolean trustProxyHeaders;
    private final StaticFiles staticFiles;

    /**
     * @param trustProxyHeaders take the client address from {@code X-Real-IP}; only safe when every request comes
     *                          through a proxy that sets it (the Compose stack, where backends are not published)
     */
    public RestHandler(
            RestApi api, HttpResponses responses, Metrics metrics, boolean trustProxyHeaders, StaticFiles staticFiles) {
        this.trustProxyHeaders = trustProxyHeaders;
        this.staticFiles = Objects.requireNonNull(staticFiles, "staticFiles");
        this.api = Objects.requireNonNull(api, "api");
        this.responses = Objects.requireNonNull(responses, "responses");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        boolean head = request.method().equals(HttpMethod.HEAD);
        if (!request.decoderResult().isSuccess()) {
            write(ctx, responses.error(ErrorCode.BAD_REQUEST, "malformed HTTP request"), false, false);
            return;
        }
        var file = staticFiles.respond(request);
        if (file.isPresent()) {
            write(ctx, file.get(), keepAlive, head);
            return;
        }
        String forwarded = trustProxyHeaders ? request.headers().get("X-Real-IP") : null;
        String client = forwarded != null
                ? forwarded
                : ctx.channel().remoteAddress() instanceof InetSocketAddress a
                        ? a.getAddress().getHostAddress()
                        : "local";
        long start = System.nanoTime();
        String route = HttpRoutes.of(request.uri());
        api.handle(request, client).whenComplete((response, failure) -> {
            if (failure != null) {
                log.error("Request failed without a response", failure);
                response = responses.text(500, "internal error", "text/plain; charset=utf-8");
            }
            metrics.httpRequest(route, start);
            write(ctx, response, keepAlive, head);
        });
    }

    private void write(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive, boolean head) {
        metrics.httpResponse(response.status().code());
        if (head) {
            response.content().clear();
        }
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(response);
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close(); // an idle HTTP keep-alive connection
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("HTTP connection failed: {}", cause.toString());
        } else {
            log.warn("HTTP request failed", cause);
        }
        ctx.close();
    }
}
