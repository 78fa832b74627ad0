package io.parley.server.ws;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.Json;
import io.parley.server.auth.Principal;
import io.parley.server.auth.TokenService;
import io.parley.server.http.HttpResponses;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class WebSocketAuthHandlerTest {
    private final TokenService tokens =
            new TokenService("unit-test-secret-unit-test-secret!", Duration.ofHours(1), Clock.systemUTC());
    private final List<Principal> bound = new ArrayList<>();

    private EmbeddedChannel channel() {
        WebSocketAuthHandler auth = new WebSocketAuthHandler(
                tokens,
                p -> CompletableFuture.completedFuture(Optional.of(p)),
                new UserConnectionLimit(100),
                Set.of("https://ok.example"),
                new HttpResponses(new FrameCodec(Json.newMapper())),
                p -> {
                    bound.add(p);
                    return new ChannelInboundHandlerAdapter();
                },
                "rest");
        EmbeddedChannel ch = new EmbeddedChannel(auth);
        ch.pipeline().addLast("rest", new ChannelInboundHandlerAdapter());
        return ch;
    }

    private static FullHttpRequest upgrade(String path) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
        r.headers().set("Upgrade", "websocket").set("Connection", "Upgrade");
        return r;
    }

    private static String body(FullHttpResponse response) {
        try {
            return response.content().toString(UTF_8);
        } finally {
            response.release();
        }
    }

    @Test
    void rejectsUpgradeWithoutTokenWith401AndTheRestErrorBody() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(upgrade("/ws"));
        FullHttpResponse response = ch.readOutbound();
        assertThat(response.status().code()).isEqualTo(401);
        assertThat(body(response)).contains("\"code\":\"unauthorized\"");
        assertThat(bound).isEmpty();
        assertFalse(ch.finish());
    }

    @Test
    void rejectsAForeignOriginWith403() {
        EmbeddedChannel ch = channel();
        FullHttpRequest r = upgrade("/ws");
        r.headers().set("Origin", "https://evil.example").set("Authorization", "Bearer " + tokens.issue(1, "a"));
        ch.writeInbound(r);
        FullHttpResponse response = ch.readOutbound();
        assertThat(response.status().code()).isEqualTo(403);
        assertThat(body(response)).contains("forbidden_origin");
        assertFalse(ch.finish());
    }

    @Test
    void takesTheTokenFromTheSubprotocolAndBindsTheFrameHandler() {
        EmbeddedChannel ch = channel();
        FullHttpRequest r = upgrade("/ws");
        r.headers().set("Sec-WebSocket-Protocol", "parley.v1, bearer." + tokens.issue(17, "alice"));
        ch.writeInbound(r);
        assertThat(bound).extracting(Principal::username).containsExactly("alice");
        assertThat(ch.pipeline().get("ws-frames")).isNotNull();
        assertThat(ch.pipeline().get("rest")).isNull();
        FullHttpRequest passed = ch.readInbound();
        passed.release();
        assertFalse(ch.finish());
    }

    @Test
    void theHeaderWinsOverTheSubprotocol() {
        EmbeddedChannel ch = channel();
        FullHttpRequest r = upgrade("/ws");
        r.headers()
                .set("Authorization", "Bearer " + tokens.issue(1, "header"))
                .set("Sec-WebSocket-Protocol", "parley.v1, bearer." + tokens.issue(2, "subprotocol"));
        ch.writeInbound(r);
        assertThat(bound).extracting(Principal::username).containsExactly("header");
        ((FullHttpRequest) ch.readInbound()).release();
        assertFalse(ch.finish());
    }

    @Test
    void passesOtherPathsThroughUntouched() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(upgrade("/api/me"));
        FullHttpRequest passed = ch.readInbound();
        assertThat(passed.uri()).isEqualTo("/api/me");
        passed.release();
        assertThat(bound).isEmpty();
        assertFalse(ch.finish());
    }
}
