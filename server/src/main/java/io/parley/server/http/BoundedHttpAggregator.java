package io.parley.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.parley.protocol.ErrorCode;
import java.util.concurrent.TimeUnit;

/**
 * Aggregates HTTP requests up to a bound and answers larger ones with the protocol's {@code too_large} error. The
 * rest of an oversized body is read and discarded before the connection closes (up to a bound), because closing a
 * socket with unread input makes the kernel reset it, and the client would lose the 413.
 */
public final class BoundedHttpAggregator extends HttpObjectAggregator {
    /** Beyond this much discarded body, or this long, the client gets a plain close. */
    static final long MAX_DRAIN_BYTES = 4L * 1024 * 1024;

    static final long DRAIN_TIMEOUT_MS = 5_000;

    private final HttpResponses responses;
    private boolean draining;
    private long drained;

    public BoundedHttpAggregator(int maxContentLength, HttpResponses responses) {
        super(maxContentLength);
        this.responses = responses;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (draining) {
            boolean last = msg instanceof LastHttpContent;
            if (msg instanceof HttpContent content) {
                drained += content.content().readableBytes();
            }
            ReferenceCountUtil.release(msg);
            if (last || drained > MAX_DRAIN_BYTES) {
                ctx.close();
            }
            return;
        }
        boolean last = msg instanceof LastHttpContent;
        super.channelRead(ctx, msg);
        if (draining && last) {
            ctx.close(); // the message that went over the bound was also the end of the body
        }
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        FullHttpResponse response = tooLarge();
        // Say so: a client that believes the connection stays open would send its next request into the void.
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        draining = true;
        ctx.writeAndFlush(response);
        ctx.executor().schedule(() -> ctx.channel().close(), DRAIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    /** With {@code Expect: 100-continue} the body never comes; the 413 still carries the error body. */
    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object response = super.newContinueResponse(start, maxContentLength, pipeline);
        if (response instanceof FullHttpResponse r && r.status().code() == 413) {
            ReferenceCountUtil.release(r);
            return tooLarge();
        }
        return response;
    }

    private FullHttpResponse tooLarge() {
        return responses.error(ErrorCode.TOO_LARGE, "request body over " + maxContentLength() + " bytes");
    }
}
