package io.parley.server.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.parley.protocol.ErrorCode;

/** Aggregates HTTP requests up to a bound and answers larger ones with the protocol's {@code too_large} error. */
public final class BoundedHttpAggregator extends HttpObjectAggregator {
    private final HttpResponses responses;

    public BoundedHttpAggregator(int maxContentLength, HttpResponses responses) {
        super(maxContentLength);
        this.responses = responses;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        // The rest of the body would follow; closing is the only way not to read it.
        FullHttpResponse response = responses.error(ErrorCode.TOO_LARGE,
                "request body over " + maxContentLength() + " bytes");
        // Say so: a client that believes the connection stays open would send its next request into the void.
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
