package io.parley.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.FrameBatch;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.Json;
import io.parley.protocol.RedisKeys;
import io.parley.protocol.ServerFrame;
import io.parley.server.support.Rest;
import io.parley.server.support.Stack;
import io.parley.server.support.StackMode;
import io.parley.testkit.WsClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;

/** The WebSocket side of PROTOCOL.md against one real replica and a real worker, on each set of parts. */
@ParameterizedClass
@EnumSource(StackMode.class)
class WebSocketIT {
    private static AutoCloseable stack;
    private static int port;
    private static Rest rest;

    @Parameter
    StackMode mode;

    @BeforeParameterizedClassInvocation
    static void start(StackMode mode) throws Exception {
        StackMode.Started started = mode.start("ws-1", true, "PARLEY_ALLOWED_ORIGINS", "https://chat.example");
        stack = started.parts();
        port = started.port();
        rest = new Rest(port);
    }

    @AfterParameterizedClassInvocation
    static void stop() throws Exception {
        stack.close();
    }

    private static String room(String prefix) {
        return prefix + "-" + Long.toString(System.nanoTime(), 36);
    }

    @Test
    void refusesUpgradeWithoutValidTokenOrFromForeignOrigin() {
        assertThat(WsClient.refusedStatus(WsClient.builder().subprotocols("parley.v1"), port))
                .isEqualTo(401);
        assertThat(WsClient.refusedStatus(WsClient.builder().subprotocols("parley.v1", "bearer.not-a-jwt"), port))
                .isEqualTo(401);
        String forged = JWT.create()
                .withSubject("1")
                .withClaim("name", "x")
                .withExpiresAt(Instant.now().plusSeconds(60))
                .sign(Algorithm.HMAC256("another-secret-another-secret!!"));
        assertThat(WsClient.refusedStatus(WsClient.builder().header("Authorization", "Bearer " + forged), port))
                .isEqualTo(401);
        Rest.Account a = rest.newAccount("origin");
        assertThat(WsClient.refusedStatus(
                        WsClient.builder()
                                .header("Origin", "https://evil.example")
                                .subprotocols("parley.v1", "bearer." + a.token()),
                        port))
                .isEqualTo(403);
        try (WsClient ok = new WsClientFactory(a).withOrigin("https://chat.example")) {
            assertThat(ok.awaitType("ready").path("user").path("username").asText())
                    .isEqualTo(a.username());
        }
    }

    @Test
    void answersTheProtocolNotTheTokenAndAcceptsTheHeader() {
        Rest.Account a = rest.newAccount("proto");
        try (WsClient browser = WsClient.connect(port, a.token());
                WsClient program = WsClient.connectWithHeader(port, a.token())) {
            assertThat(browser.subprotocol()).isEqualTo("parley.v1");
            JsonNode ready = program.awaitType("ready");
            assertThat(ready.path("user").path("id").asText()).isEqualTo(a.id());
            assertThat(ready.path("server").asText()).isEqualTo("ws-1");
            assertThat(ready.path("rooms").isArray()).isTrue();
        }
    }

    @Test
    void fansOutAnOldSingleFramePayloadAndAFrameBatchInOrder() throws Exception {
        assumeTrue(mode == StackMode.REDIS_MYSQL, "published straight to the stack's one Redis");
        Rest.Account alice = rest.newAccount("batch");
        String room = room("batch");
        try (WsClient a = WsClient.connectReady(port, alice.token())) {
            a.reply(a.send("type", "join", "room", room));
            // A message through the worker first: once it arrives, the replica listens to the room's channel.
            a.send("type", "send", "room", room, "body", "first");
            assertThat(a.awaitType("message").path("seq").asLong()).isEqualTo(1);
            Stack parts = (Stack) stack;
            RedisKeys keys = new RedisKeys(parts.services().redis().prefix());
            FrameCodec codec = new FrameCodec(Json.newMapper());
            byte[] channel = keys.roomChannel(room).getBytes(StandardCharsets.UTF_8);
            try (Jedis jedis = new Jedis(parts.services().redis().uri())) {
                // As a worker from before FrameBatch publishes, then as one of today: a room's frames in one payload.
                jedis.publish(channel, frame(codec, room, 2));
                jedis.publish(channel, FrameBatch.encode(List.of(frame(codec, room, 3), frame(codec, room, 4))));
            }
            List<JsonNode> received = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                received.add(a.awaitType("message"));
            }
            assertThat(received).extracting(m -> m.path("seq").asLong()).containsExactly(2L, 3L, 4L);
            assertThat(received).extracting(m -> m.path("body").asText()).containsExactly("b-2", "b-3", "b-4");
        }
    }

    private static byte[] frame(FrameCodec codec, String room, long seq) {
        return codec.encode(new ServerFrame.Message(
                Long.toString(880_000_000_000L + seq),
                room,
                seq,
                "someone",
                "b-" + seq,
                null,
                "2026-11-30T12:00:00.000Z",
                ServerFrame.Message.KIND_MESSAGE,
                null,
                null,
                null));
    }

    @Test
    void sendIsAcknowledgedBeforeTheStoredMessageArrivesEverywhere() {
        Rest.Account alice = rest.newAccount("alice");
        Rest.Account bob = rest.newAccount("bob");
        String room = room("talk");
        try (WsClient a = WsClient.connectReady(port, alice.token());
                WsClient b = WsClient.connectReady(port, bob.token())) {
            JsonNode joined = a.reply(a.send("type", "join", "room", room));
            assertThat(joined.path("type").asText()).isEqualTo("joined");
            assertThat(joined.path("room").path("name").asText()).isEqualTo(room);
            assertThat(joined.path("room").path("createdBy").asText()).isEqualTo(alice.username());
            b.reply(b.send("type", "join", "room", room));
            JsonNode member = a.await(f -> f.path("type").asText().equals("member"));
            assertThat(member.path("user").asText()).isEqualTo(bob.username());
            assertThat(member.path("action").asText()).isEqualTo("joined");

            String ref = a.send("type", "send", "room", room, "body", "<b>hello</b>", "clientMsgId", "c-1");
            // The ack must come first on the sender's connection: take frames in arrival order.
            JsonNode first = a.await(f -> f.path("type").asText().matches("ack|message"));
            assertThat(first.path("type").asText()).isEqualTo("ack");
            assertThat(first.path("ref").asText()).isEqualTo(ref);
            assertThat(first.path("clientMsgId").asText()).isEqualTo("c-1");
            String id = first.path("id").asText();
            JsonNode mine = a.awaitType("message");
            JsonNode theirs = b.awaitType("message");
            for (JsonNode m : List.of(mine, theirs)) {
                assertThat(m.path("id").asText()).isEqualTo(id);
                assertThat(m.path("seq").asLong()).isEqualTo(1);
                assertThat(m.path("body").asText()).isEqualTo("<b>hello</b>");
                assertThat(m.path("sender").asText()).isEqualTo(alice.username());
                assertThat(m.path("clientMsgId").asText()).isEqualTo("c-1");
                assertThat(m.path("createdAt").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
            }
        }
    }

    @Test
    void historyPagesBackwardsAndForwardsWithHasMore() {
        Rest.Account alice = rest.newAccount("hist");
        String room = room("hist");
        try (WsClient a = WsClient.joined(port, alice.token(), room)) {
            for (int i = 1; i <= 12; i++) {
                assertThat(a.reply(a.send("type", "send", "room", room, "body", "m" + i))
                                .path("type")
                                .asText())
                        .isEqualTo("ack");
            }
            for (int i = 1; i <= 12; i++) {
                long seq = i;
                a.await(f -> f.path("type").asText().equals("message")
                        && f.path("seq").asLong() == seq);
            }
            JsonNode newest = a.reply(a.send("type", "history", "room", room, "limit", 5));
            assertThat(seqs(newest)).containsExactly(8L, 9L, 10L, 11L, 12L);
            assertThat(newest.path("hasMore").asBoolean()).isTrue();
            JsonNode before = a.reply(a.send("type", "history", "room", room, "before", 4, "limit", 5));
            assertThat(seqs(before)).containsExactly(1L, 2L, 3L);
            assertThat(before.path("hasMore").asBoolean()).isFalse();
            JsonNode after = a.reply(a.send("type", "history", "room", room, "after", 9, "limit", 2));
            assertThat(seqs(after)).containsExactly(10L, 11L);
            assertThat(after.path("hasMore").asBoolean()).isTrue();
            JsonNode both = a.reply(a.send("type", "history", "room", room, "after", 2, "before", 6));
            assertThat(seqs(both)).containsExactly(3L, 4L, 5L);
            assertThat(both.path("hasMore").asBoolean()).isFalse();

            Rest.Reply restPage = rest.get("/api/rooms/" + room + "/messages?after=10", alice.token());
            assertThat(restPage.status()).isEqualTo(200);
            assertThat(seqs(restPage.body())).containsExactly(11L, 12L);
        }
    }

    @Test
    void retriedClientMsgIdIsStoredAndDeliveredOnce() {
        Rest.Account alice = rest.newAccount("retry");
        String room = room("retry");
        try (WsClient a = WsClient.joined(port, alice.token(), room)) {
            JsonNode ack1 = a.reply(a.send("type", "send", "room", room, "body", "once", "clientMsgId", "same"));
            JsonNode ack2 = a.reply(a.send("type", "send", "room", room, "body", "once", "clientMsgId", "same"));
            assertThat(ack2.path("type").asText()).isEqualTo("ack");
            assertThat(ack2.path("id").asText()).isEqualTo(ack1.path("id").asText());
            a.reply(a.send("type", "send", "room", room, "body", "marker"));
            a.await(f -> f.path("type").asText().equals("message")
                    && f.path("body").asText().equals("marker"));
            List<JsonNode> delivered = a.drain("message");
            assertThat(delivered).extracting(m -> m.path("body").asText()).containsExactly("once");
            JsonNode page = a.reply(a.send("type", "history", "room", room));
            assertThat(seqs(page)).containsExactly(1L, 2L);
            assertThat(page.path("messages").get(0).path("body").asText()).isEqualTo("once");
        }
    }

    @Test
    void badInputGetsPreciseErrorsAndTheConnectionStaysOpen() {
        Rest.Account alice = rest.newAccount("bad");
        Rest.Account other = rest.newAccount("other");
        String room = room("bad");
        String foreign = room("foreign");
        WsClient.joined(port, other.token(), foreign).close();
        try (WsClient a = WsClient.connectReady(port, alice.token())) {
            a.sendRaw("not json");
            assertThat(a.awaitType("error").path("code").asText()).isEqualTo("bad_request");
            a.sendRaw("{\"type\":\"dance\",\"ref\":\"u1\"}");
            a.expectError("u1", "unknown_type");
            a.expectError(a.send("type", "join", "room", "Not Valid"), "invalid_room_name");
            a.expectError(a.send("type", "send", "room", "nowhere-" + room, "body", "x"), "no_such_room");
            a.expectError(a.send("type", "send", "room", foreign, "body", "x"), "not_member");
            a.expectError(a.send("type", "history", "room", foreign), "not_member");
            a.expectError(a.send("type", "presence", "room", foreign), "not_member");
            a.expectError(a.send("type", "leave", "room", foreign), "not_member");
            a.reply(a.send("type", "join", "room", room));
            a.expectError(a.send("type", "send", "room", room, "body", "x".repeat(4001)), "body_too_long");
            a.expectError(a.send("type", "send", "room", room, "body", " \n\t\u3000"), "empty_body");
            a.expectError(a.send("type", "send", "room", room, "body", 5), "bad_request");
            a.expectError(a.send("type", "history", "room", room, "limit", 0), "bad_request");
            a.expectError(a.send("type", "history", "room", room, "before", "3"), "bad_request");
            assertThat(a.reply(a.send("type", "ping")).path("type").asText()).isEqualTo("pong");
            assertThat(a.isClosed()).isFalse();
        }
    }

    @Test
    void closesWith1009OnAFrameOver16KiB() {
        Rest.Account a = rest.newAccount("big");
        try (WsClient c = WsClient.connectReady(port, a.token())) {
            c.sendRaw("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(17 * 1024) + "\"}");
            assertThat(c.awaitClose()).isEqualTo(1009);
        }
    }

    @Test
    void rateLimitsThenClosesAFlooderWith1008() {
        Rest.Account a = rest.newAccount("flood");
        try (WsClient c = WsClient.connectReady(port, a.token())) {
            for (int i = 0; i < 100 && !c.isClosed(); i++) {
                try {
                    c.send("type", "ping");
                } catch (CompletionException closedMeanwhile) {
                    break; // the server's close can shut our output before isClosed() sees it
                }
            }
            JsonNode limited = c.await(f -> f.path("code").asText().equals("rate_limited"));
            assertThat(limited.path("retryAfterMs").asLong()).isPositive();
            assertThat(c.awaitClose()).isEqualTo(1008);
        }
    }

    @Test
    void closesWith4001WhenTheTokenExpires() {
        Rest.Account a = rest.newAccount("expiry");
        String shortLived = JWT.create()
                .withSubject(a.id())
                .withClaim("name", a.username())
                .withIssuedAt(Instant.now())
                .withExpiresAt(Instant.now().plusSeconds(2))
                .sign(Algorithm.HMAC256(Stack.SECRET));
        try (WsClient c = WsClient.connectReady(port, shortLived)) {
            assertThat(c.awaitClose()).isEqualTo(4001);
        }
    }

    @Test
    void typingReachesOthersButNotTheTypistAndPresenceListsWhoIsOnline() {
        Rest.Account alice = rest.newAccount("typist");
        Rest.Account bob = rest.newAccount("reader");
        String room = room("typing");
        try (WsClient a = WsClient.joined(port, alice.token(), room);
                WsClient b = WsClient.joined(port, bob.token(), room)) {
            a.send("type", "typing", "room", room);
            assertThat(b.awaitType("typing").path("user").asText()).isEqualTo(alice.username());
            JsonNode presence = a.reply(a.send("type", "presence", "room", room));
            List<String> online = new ArrayList<>();
            presence.path("online").forEach(n -> online.add(n.asText()));
            assertThat(online).containsExactlyInAnyOrder(alice.username(), bob.username());
            assertThat(a.drain("typing")).isEmpty();
        }
    }

    @Test
    void presenceEventsWhenAMemberComesAndGoes() {
        Rest.Account alice = rest.newAccount("watcher");
        Rest.Account bob = rest.newAccount("comer");
        String room = room("presence");
        try (WsClient a = WsClient.joined(port, alice.token(), room)) {
            WsClient.joined(port, bob.token(), room).close();
            // bob's connection closed: he goes offline
            JsonNode offline = a.await(
                    f -> f.path("type").asText().equals("presence")
                            && f.path("user").asText().equals(bob.username())
                            && !f.path("online").asBoolean(),
                    Duration.ofSeconds(5));
            assertThat(offline.path("room").asText()).isEqualTo(room);
            try (WsClient b = WsClient.connectReady(port, bob.token())) {
                JsonNode online = a.await(
                        f -> f.path("type").asText().equals("presence")
                                && f.path("user").asText().equals(bob.username())
                                && f.path("online").asBoolean(),
                        Duration.ofSeconds(5));
                assertThat(online.path("room").asText()).isEqualTo(room);
            }
        }
    }

    @Test
    void joinAndLeaveReachTheUsersOtherConnections() {
        Rest.Account alice = rest.newAccount("multi");
        String room = room("multi");
        try (WsClient one = WsClient.connectReady(port, alice.token());
                WsClient two = WsClient.connectReady(port, alice.token())) {
            String ref = one.send("type", "join", "room", room);
            one.reply(ref);
            JsonNode echoed = two.awaitType("joined");
            assertThat(echoed.has("ref")).isFalse();
            assertThat(echoed.path("room").path("name").asText()).isEqualTo(room);
            // joining again answers this connection only
            one.reply(one.send("type", "join", "room", room));
            // the second connection is subscribed now: it gets messages sent from the first
            one.reply(one.send("type", "send", "room", room, "body", "to all my tabs"));
            assertThat(two.awaitType("message").path("body").asText()).isEqualTo("to all my tabs");
            one.reply(one.send("type", "leave", "room", room));
            assertThat(two.awaitType("left").path("room").asText()).isEqualTo(room);
            assertThat(two.drain("joined")).isEmpty();
            two.expectError(two.send("type", "send", "room", room, "body", "gone"), "not_member");
        }
    }

    private static List<Long> seqs(JsonNode page) {
        List<Long> seqs = new ArrayList<>();
        page.path("messages").forEach(m -> seqs.add(m.path("seq").asLong()));
        return seqs;
    }

    /** Connects with an Origin header, as a browser on an allowed site would. */
    private record WsClientFactory(Rest.Account account) {
        WsClient withOrigin(String origin) {
            return WsClient.connectWithOrigin(port, account.token(), origin);
        }
    }
}
