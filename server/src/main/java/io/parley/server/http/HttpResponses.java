package io.parley.server.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.FrameCodec;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds the server's HTTP responses: JSON bodies, the protocol's error shape, and plain text. */
public final class HttpResponses {
    private final FrameCodec codec;

    public HttpResponses(FrameCodec codec) {
        this.codec = codec;
    }

    public FullHttpResponse json(int status, Object body) {
        return response(status, codec.write(body), "application/json; charset=utf-8");
    }

    public FullHttpResponse error(ErrorCode code, String message) {
        return error(code, message, null);
    }

    /** {@code {"error":{"code","message"}}} with the code's status; rate limits also get Retry-After. */
    public FullHttpResponse error(ErrorCode code, String message, Long retryAfterMs) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code.wireName());
        error.put("message", message);
        if (retryAfterMs != null) {
            error.put("retryAfterMs", retryAfterMs);
        }
        FullHttpResponse response = json(code.httpStatus(), Map.of("error", error));
        if (retryAfterMs != null) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, Math.max(1, (retryAfterMs + 999) / 1000));
        }
        return response;
    }

    /** 204 with no body. */
    public FullHttpResponse noContent() {
        FullHttpResponse response = response(204, new byte[0], "application/json; charset=utf-8");
        response.headers().remove(HttpHeaderNames.CONTENT_TYPE).remove(HttpHeaderNames.CONTENT_LENGTH);
        return response;
    }

    public FullHttpResponse text(int status, String body, String contentType) {
        return response(status, body.getBytes(StandardCharsets.UTF_8), contentType);
    }

    private static FullHttpResponse response(int status, byte[] body, String contentType) {
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .set("X-Content-Type-Options", "nosniff");
        return response;
    }
}
