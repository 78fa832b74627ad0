package io.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.support.Admins;
import io.parley.server.support.Rest;
import io.parley.server.support.Stack;
import io.parley.testkit.PrivateRedis;
import io.parley.testkit.WsClient;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Moderation done on one replica takes effect on the other's connections within 5 s (PROTOCOL.md 1.1). */
class ModerationClusterIT {
    private static final Duration WITHIN = Duration.ofSeconds(5);

    private Stack stack;
    private Rest rest1;
    private Rest rest2;
    private int port1;
    private int port2;

    @BeforeEach
    void start() throws Exception {
        stack = new Stack();
        port1 = stack.startServer("replica-1", "PARLEY_RATE_PER_SEC", "5000", "PARLEY_RATE_BURST", "5000")
                .port();
        port2 = stack.startServer("replica-2", "PARLEY_RATE_PER_SEC", "5000", "PARLEY_RATE_BURST", "5000")
                .port();
        stack.startWorker("w1");
        rest1 = new Rest(port1);
        rest2 = new Rest(port2);
    }

    @AfterEach
    void stop() {
        stack.close();
    }

    private Rest.Account admin() throws Exception {
        Rest.Account a = rest1.newAccount("admin");
        Admins.setAdmin(stack, a.username(), true);
        return a;
    }

    private static String roomName() {
        return "r" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void removalBanDisableAndRoomDeletionReachTheOtherReplica() throws Exception {
        Rest.Account admin = admin();
        Rest.Account owner = rest1.newAccount("owner");
        Rest.Account member = rest2.newAccount("member");
        Rest.Account other = rest2.newAccount("other");
        String room = roomName();
        rest1.post("/api/rooms", owner.token(), "{\"name\":\"" + room + "\",\"private\":true}");
        rest1.post("/api/rooms/" + room + "/invites", owner.token(), Rest.json("username", member.username()));
        rest1.post("/api/rooms/" + room + "/invites", owner.token(), Rest.json("username", other.username()));
        try (WsClient o = WsClient.connect(port1, owner.token());
                WsClient m = WsClient.connect(port2, member.token());
                WsClient x = WsClient.connect(port2, other.token())) {
            o.awaitType("ready");
            m.awaitType("ready");
            x.awaitType("ready");
            m.reply(m.send("type", "join", "room", room));
            x.reply(x.send("type", "join", "room", room));

            assertThat(rest1.delete("/api/rooms/" + room + "/members/" + member.username(), owner.token())
                            .status())
                    .isEqualTo(204);
            JsonNode left = m.await(f -> f.path("type").asText().equals("left"), WITHIN);
            assertThat(left.path("by").asText()).isEqualTo(owner.username());
            assertThat(x.await(f -> f.path("action").asText().equals("removed"), WITHIN)
                            .path("by")
                            .asText())
                    .isEqualTo(owner.username());
            // Out of a private room: it no longer exists for them, on every frame.
            m.expectError(m.send("type", "send", "room", room, "body", "hello?"), "no_such_room");
            m.expectError(m.send("type", "join", "room", room), "forbidden");

            // The overview sees both replicas and their connections.
            Awaitility.await().atMost(WITHIN).untilAsserted(() -> {
                JsonNode replicas =
                        rest1.get("/api/admin/overview", admin.token()).body().path("replicas");
                assertThat(replicas.findValuesAsText("id")).containsExactly("replica-1", "replica-2");
                assertThat(replicas.get(1).path("connections").asInt()).isEqualTo(2);
            });

            // Disabled on replica 1: closed with 4003 on replica 2, and its token refused there at once.
            assertThat(rest1.post("/api/admin/users/" + other.username() + "/disable", admin.token(), "{}")
                            .status())
                    .isEqualTo(204);
            assertThat(x.awaitClosed(WITHIN)).isEqualTo(4003);
            assertThat(rest2.get("/api/me", other.token()).status()).isEqualTo(401);

            // Deleted through replica 2: the owner's connection on replica 1 leaves it.
            assertThat(rest2.delete("/api/admin/rooms/" + room, admin.token()).status())
                    .isEqualTo(204);
            JsonNode gone = o.await(f -> f.path("type").asText().equals("left"), WITHIN);
            assertThat(gone.path("room").asText()).isEqualTo(room);
            assertThat(gone.path("by").asText()).isEqualTo(admin.username());
        }
    }

    @Test
    void aBanRacingSendsLeavesEachSendRefusedOrStoredAndDelivered() throws Exception {
        Rest.Account owner = rest1.newAccount("owner");
        Rest.Account member = rest2.newAccount("member");
        String room = roomName();
        rest1.post("/api/rooms", owner.token(), Rest.json("name", room));
        try (WsClient o = WsClient.connect(port1, owner.token());
                WsClient m = WsClient.connect(port2, member.token())) {
            o.awaitType("ready");
            m.awaitType("ready");
            m.reply(m.send("type", "join", "room", room));
            int sends = 300;
            int late = 5;
            String[] refs = new String[sends + late];
            for (int i = 0; i < sends; i++) {
                refs[i] = m.send("type", "send", "room", room, "body", "m" + i, "clientMsgId", "c" + i);
                if (i == sends / 3) {
                    assertThat(rest1.post(
                                            "/api/rooms/" + room + "/bans",
                                            owner.token(),
                                            Rest.json("username", member.username()))
                                    .status())
                            .isEqualTo(201);
                }
            }
            // Racing sends may all be queued before the ban reaches the member's replica; once it has (the member
            // is told it left), every send is refused.
            m.await(
                    f -> f.path("type").asText().equals("left")
                            && f.path("room").asText().equals(room),
                    WITHIN);
            for (int i = sends; i < sends + late; i++) {
                refs[i] = m.send("type", "send", "room", room, "body", "m" + i, "clientMsgId", "c" + i);
            }
            Set<String> acked = new HashSet<>();
            Set<String> refused = new HashSet<>();
            for (int i = 0; i < sends + late; i++) {
                JsonNode reply = m.reply(refs[i]);
                if (reply.path("type").asText().equals("ack")) {
                    acked.add("c" + i);
                } else {
                    assertThat(reply.path("code").asText()).isEqualTo("not_member");
                    refused.add("c" + i);
                }
            }
            assertThat(refused).as("sends after the ban took effect").isNotEmpty();
            for (int i = sends; i < sends + late; i++) {
                assertThat(refused)
                        .as("sends after the member was told of the ban")
                        .contains("c" + i);
            }
            assertThat(acked).as("sends before the ban").isNotEmpty();
            // Every acknowledged send is stored and delivered to the members; no refused one is.
            Set<String> delivered = new HashSet<>();
            Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                o.drain("message")
                        .forEach(f -> delivered.add(f.path("clientMsgId").asText()));
                assertThat(delivered).isEqualTo(acked);
            });
            Set<String> stored = new HashSet<>();
            long after = 0;
            while (true) {
                JsonNode page = rest1.get("/api/rooms/" + room + "/messages?limit=100&after=" + after, owner.token())
                        .body();
                page.path("messages")
                        .forEach(f -> stored.add(f.path("clientMsgId").asText()));
                if (!page.path("hasMore").asBoolean()) {
                    break;
                }
                after = page.path("messages")
                        .get(page.path("messages").size() - 1)
                        .path("seq")
                        .asLong();
            }
            assertThat(stored).isEqualTo(acked);
        }
    }

    @Test
    void aDisableOrRemovalWhilePubSubIsDownTakesEffectOnceItIsBack() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            int port = stack.startServer(
                            "faulty", "PARLEY_REDIS_URL", redis.uri().toString())
                    .port();
            Rest rest = new Rest(port);
            Rest.Account admin = admin();
            Rest.Account user = rest.newAccount("user");
            Rest.Account owner = rest.newAccount("owner");
            Rest.Account member = rest.newAccount("member");
            String room = roomName();
            String kept = roomName();
            rest.post("/api/rooms", owner.token(), Rest.json("name", room));
            try (WsClient u = WsClient.connect(port, user.token());
                    WsClient m = WsClient.connect(port, member.token())) {
                u.awaitType("ready");
                m.awaitType("ready");
                m.reply(m.send("type", "join", "room", room));
                m.reply(m.send("type", "join", "room", kept));
                redis.kill();
                // The database answers, so both are committed; their events are lost with Redis.
                assertThat(rest.post("/api/admin/users/" + user.username() + "/disable", admin.token(), "{}")
                                .status())
                        .isEqualTo(204);
                assertThat(rest.delete("/api/rooms/" + room + "/members/" + member.username(), owner.token())
                                .status())
                        .isEqualTo(204);
                assertThat(u.awaitClosed(Duration.ofSeconds(1))).isNull();
                redis.start();
                assertThat(u.awaitClosed(Duration.ofSeconds(30))).isEqualTo(4003);
                JsonNode left = m.await(f -> f.path("type").asText().equals("left"), Duration.ofSeconds(30));
                assertThat(left.path("room").asText()).isEqualTo(room);
                assertThat(m.drain("left"))
                        .as("the room still a member of stays")
                        .isEmpty();
            }
        }
    }
}
