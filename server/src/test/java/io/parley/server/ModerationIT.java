package io.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.support.Admins;
import io.parley.server.support.Rest;
import io.parley.server.support.StackMode;
import io.parley.testkit.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** PROTOCOL.md 1.1: private rooms, invites, removals, bans and the admin API, on each set of parts. */
@ParameterizedClass
@EnumSource(StackMode.class)
class ModerationIT {
    private static StackMode.Started started;
    private static Rest rest;
    private static int port;

    @Parameter
    StackMode mode;

    @BeforeParameterizedClassInvocation
    static void start(StackMode mode) throws Exception {
        started = mode.start("mod-1", true);
        port = started.port();
        rest = new Rest(port);
    }

    @AfterParameterizedClassInvocation
    static void stop() throws Exception {
        started.parts().close();
    }

    private static String roomName() {
        return "r" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Rest.Account admin() throws Exception {
        Rest.Account a = rest.newAccount("admin");
        Admins.setAdmin(started, a.username(), true);
        return a;
    }

    @Test
    void privateRoomsAreSeenAndJoinedOnlyByMembersAndInvitedUsers() {
        Rest.Account owner = rest.newAccount("owner");
        Rest.Account guest = rest.newAccount("guest");
        String room = roomName();
        Rest.Reply created = rest.post("/api/rooms", owner.token(), "{\"name\":\"" + room + "\",\"private\":true}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.body().path("room").path("private").asBoolean()).isTrue();
        assertThat(created.body().path("room").path("owner").asText()).isEqualTo(owner.username());
        assertThat(rest.post("/api/rooms", guest.token(), Rest.json("name", room))
                        .errorCode())
                .isEqualTo("room_exists");
        assertThat(rest.post("/api/rooms", guest.token(), "{\"name\":\"x\",\"private\":\"yes\"}")
                        .errorCode())
                .isEqualTo("bad_request");

        // An outsider sees nothing of it, except where join and creation must say something.
        assertThat(roomNames(rest.get("/api/rooms", guest.token()))).doesNotContain(room);
        assertThat(roomNames(rest.get("/api/rooms", owner.token()))).contains(room);
        assertThat(rest.get("/api/rooms/" + room + "/messages", guest.token()).errorCode())
                .isEqualTo("no_such_room");
        assertThat(rest.post("/api/rooms/" + room + "/invites", guest.token(), Rest.json("username", "someone"))
                        .errorCode())
                .isEqualTo("no_such_room");
        try (WsClient g = WsClient.connect(port, guest.token())) {
            g.awaitType("ready");
            g.expectError(g.send("type", "join", "room", room), "forbidden");
            g.expectError(g.send("type", "history", "room", room), "no_such_room");
            g.expectError(g.send("type", "send", "room", room, "body", "hi"), "no_such_room");
            g.expectError(g.send("type", "presence", "room", room), "no_such_room");
            g.expectError(g.send("type", "leave", "room", room), "no_such_room");

            Rest.Reply invite = rest.post(
                    "/api/rooms/" + room + "/invites", owner.token(), Rest.json("username", guest.username()));
            assertThat(invite.status()).isEqualTo(201);
            assertThat(invite.body().path("invite").path("room").asText()).isEqualTo(room);
            assertThat(invite.body().path("invite").path("username").asText()).isEqualTo(guest.username());
            assertThat(invite.body().path("invite").path("by").asText()).isEqualTo(owner.username());
            assertThat(rest.post("/api/rooms/" + room + "/invites", owner.token(), Rest.json("username", "nobody_x"))
                            .errorCode())
                    .isEqualTo("not_found");
            JsonNode invites = rest.get("/api/me", guest.token()).body().path("invites");
            assertThat(invites).hasSize(1);
            assertThat(invites.get(0).path("name").asText()).isEqualTo(room);
            assertThat(invites.get(0).path("private").asBoolean()).isTrue();

            JsonNode joined = g.reply(g.send("type", "join", "room", room));
            assertThat(joined.path("type").asText()).isEqualTo("joined");
            assertThat(joined.path("room").path("owner").asText()).isEqualTo(owner.username());
            assertThat(rest.get("/api/me", guest.token()).body().path("invites"))
                    .isEmpty();
            assertThat(roomNames(rest.get("/api/rooms", guest.token()))).contains(room);
            assertThat(rest.get("/api/rooms/" + room + "/messages", guest.token())
                            .status())
                    .isEqualTo(200);
        }
    }

    @Test
    void theOwnerRemovesAndBansMembersAndEveryoneIsTold() {
        Rest.Account owner = rest.newAccount("owner");
        Rest.Account member = rest.newAccount("member");
        Rest.Account other = rest.newAccount("other");
        String room = roomName();
        assertThat(rest.post("/api/rooms", owner.token(), Rest.json("name", room))
                        .status())
                .isEqualTo(201);
        try (WsClient o = WsClient.connect(port, owner.token());
                WsClient m = WsClient.connect(port, member.token());
                WsClient x = WsClient.connect(port, other.token())) {
            o.awaitType("ready");
            m.awaitType("ready");
            x.awaitType("ready");
            m.reply(m.send("type", "join", "room", room));
            x.reply(x.send("type", "join", "room", room));

            // Only the owner or an admin moderates.
            assertThat(rest.delete("/api/rooms/" + room + "/members/" + member.username(), other.token())
                            .errorCode())
                    .isEqualTo("forbidden");
            assertThat(rest.delete("/api/rooms/" + room + "/members/" + owner.username(), owner.token())
                            .errorCode())
                    .isEqualTo("forbidden");

            assertThat(rest.delete("/api/rooms/" + room + "/members/" + member.username(), owner.token())
                            .status())
                    .isEqualTo(204);
            JsonNode left = m.await(f -> f.path("type").asText().equals("left"));
            assertThat(left.path("room").asText()).isEqualTo(room);
            assertThat(left.path("by").asText()).isEqualTo(owner.username());
            JsonNode seen = x.await(f -> f.path("type").asText().equals("member")
                    && f.path("action").asText().equals("removed"));
            assertThat(seen.path("user").asText()).isEqualTo(member.username());
            assertThat(seen.path("by").asText()).isEqualTo(owner.username());
            m.expectError(m.send("type", "send", "room", room, "body", "still here?"), "not_member");
            assertThat(rest.delete("/api/rooms/" + room + "/members/" + member.username(), owner.token())
                            .errorCode())
                    .isEqualTo("not_member");

            // Back in, then banned: out again and kept out.
            m.reply(m.send("type", "join", "room", room));
            Rest.Reply ban =
                    rest.post("/api/rooms/" + room + "/bans", owner.token(), Rest.json("username", member.username()));
            assertThat(ban.status()).isEqualTo(201);
            assertThat(ban.body().path("ban").path("username").asText()).isEqualTo(member.username());
            assertThat(ban.body().path("ban").path("by").asText()).isEqualTo(owner.username());
            assertThat(ban.body().path("ban").path("createdAt").asText()).endsWith("Z");
            assertThat(m.await(f -> f.path("type").asText().equals("left"))
                            .path("by")
                            .asText())
                    .isEqualTo(owner.username());
            assertThat(x.await(f -> f.path("type").asText().equals("member")
                                    && f.path("action").asText().equals("banned"))
                            .path("user")
                            .asText())
                    .isEqualTo(member.username());
            m.expectError(m.send("type", "join", "room", room), "banned");
            assertThat(rest.get("/api/rooms/" + room + "/bans", other.token()).errorCode())
                    .isEqualTo("forbidden");
            JsonNode bans = rest.get("/api/rooms/" + room + "/bans", owner.token())
                    .body()
                    .path("bans");
            assertThat(bans).hasSize(1);
            assertThat(bans.get(0).path("username").asText()).isEqualTo(member.username());

            assertThat(rest.delete("/api/rooms/" + room + "/bans/" + member.username(), owner.token())
                            .status())
                    .isEqualTo(204);
            assertThat(rest.delete("/api/rooms/" + room + "/bans/" + member.username(), owner.token())
                            .errorCode())
                    .isEqualTo("not_found");
            assertThat(m.reply(m.send("type", "join", "room", room))
                            .path("type")
                            .asText())
                    .isEqualTo("joined");
        }
    }

    @Test
    void adminsListUsersAndOnlyAdminsMay() throws Exception {
        Rest.Account plain = rest.newAccount("plain");
        assertThat(rest.get("/api/admin/users", plain.token()).errorCode()).isEqualTo("forbidden");
        assertThat(rest.get("/api/admin/overview", plain.token()).errorCode()).isEqualTo("forbidden");
        assertThat(rest.post("/api/admin/users/" + plain.username() + "/disable", plain.token(), "{}")
                        .errorCode())
                .isEqualTo("forbidden");

        Rest.Account admin = admin();
        // The role shows in a fresh login's user and token; permissions never wait for a token.
        Rest.Reply login = rest.login(admin.username(), admin.password());
        assertThat(login.body().path("user").path("role").asText()).isEqualTo("admin");
        assertThat(rest.get("/api/admin/users", admin.token()).status()).isEqualTo(200);
        assertThat(rest.get("/api/me", admin.token())
                        .body()
                        .path("user")
                        .path("role")
                        .asText())
                .isEqualTo("admin");
        try (WsClient w = WsClient.connect(port, admin.token())) {
            assertThat(w.awaitType("ready").path("user").path("role").asText()).isEqualTo("admin");
        }
        assertThat(rest.get("/api/me", plain.token()).body().path("user").has("role"))
                .isFalse();

        String prefix = "pg" + UUID.randomUUID().toString().substring(0, 6);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            names.add(rest.newAccount(prefix + i).username());
        }
        JsonNode first = rest.get("/api/admin/users?query=" + prefix.toUpperCase() + "&limit=2", admin.token())
                .body();
        assertThat(first.path("users")).hasSize(2);
        assertThat(first.path("hasMore").asBoolean()).isTrue();
        assertThat(first.path("users").get(0).path("username").asText()).isEqualTo(names.get(0));
        assertThat(first.path("users").get(0).path("disabled").asBoolean()).isFalse();
        assertThat(first.path("users").get(0).path("createdAt").asText()).endsWith("Z");
        String after = first.path("users").get(1).path("username").asText();
        JsonNode second = rest.get("/api/admin/users?query=" + prefix + "&limit=2&after=" + after, admin.token())
                .body();
        assertThat(second.path("users")).hasSize(1);
        assertThat(second.path("users").get(0).path("username").asText()).isEqualTo(names.get(2));
        assertThat(second.path("hasMore").asBoolean()).isFalse();
        assertThat(rest.get("/api/admin/users?limit=101", admin.token()).errorCode())
                .isEqualTo("bad_request");

        // The worker (a process of its own in the Redis stack) may still be starting: it shows once it holds leases.
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(
                        () -> rest
                                .get("/api/admin/overview", admin.token())
                                .body()
                                .path("workers")
                                .findValues("partitions")
                                .stream()
                                .anyMatch(p -> !p.isEmpty()));
        JsonNode overview = rest.get("/api/admin/overview", admin.token()).body();
        assertThat(overview.path("replicas").findValuesAsText("id")).contains("mod-1");
        assertThat(overview.path("workers").findValuesAsText("id")).isNotEmpty();
        assertThat(overview.path("queue")).isNotEmpty();
        assertThat(overview.path("queue").get(0).has("depth")).isTrue();
        assertThat(overview.path("storedLastMinute").isNumber()).isTrue();

        // A revoke takes the power at once, whatever token the admin holds.
        Admins.setAdmin(started, admin.username(), false);
        assertThat(rest.get("/api/admin/users", admin.token()).errorCode()).isEqualTo("forbidden");
        assertThat(rest.get("/api/admin/users", login.body().path("token").asText())
                        .errorCode())
                .isEqualTo("forbidden");
    }

    @Test
    void aDisabledAccountIsLockedOutAndItsOldTokensStayDead() throws Exception {
        Rest.Account admin = admin();
        Rest.Account user = rest.newAccount("user");
        try (WsClient u = WsClient.connect(port, user.token())) {
            u.awaitType("ready");
            long start = System.nanoTime();
            assertThat(rest.post("/api/admin/users/" + user.username() + "/disable", admin.token(), "{}")
                            .status())
                    .isEqualTo(204);
            assertThat(u.awaitClosed(Duration.ofSeconds(5))).isEqualTo(4003);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
        assertThat(rest.get("/api/me", user.token()).status()).isEqualTo(401);
        assertThat(WsClient.refusedStatus(WsClient.builder().header("Authorization", "Bearer " + user.token()), port))
                .isEqualTo(401);
        Rest.Reply refused = rest.login(user.username(), user.password());
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.errorCode()).isEqualTo("account_disabled");
        assertThat(rest.login(user.username(), "wrong password").errorCode()).isEqualTo("invalid_credentials");
        JsonNode listed = rest.get("/api/admin/users?query=" + user.username(), admin.token())
                .body()
                .path("users")
                .get(0);
        assertThat(listed.path("disabled").asBoolean()).isTrue();

        assertThat(rest.post("/api/admin/users/" + user.username() + "/enable", admin.token(), "{}")
                        .status())
                .isEqualTo(204);
        assertThat(rest.get("/api/me", user.token()).status())
                .as("a token from before the disable")
                .isEqualTo(401);
        Rest.Reply again = rest.login(user.username(), user.password());
        assertThat(again.status()).isEqualTo(200);
        assertThat(rest.get("/api/me", again.body().path("token").asText()).status())
                .isEqualTo(200);
        assertThat(rest.post("/api/admin/users/nobody_zz/disable", admin.token(), "{}")
                        .errorCode())
                .isEqualTo("not_found");
    }

    @Test
    void anAdminDeletesARoomAndItsMembersAreTold() throws Exception {
        Rest.Account admin = admin();
        Rest.Account owner = rest.newAccount("owner");
        String room = roomName();
        rest.post("/api/rooms", owner.token(), "{\"name\":\"" + room + "\",\"private\":true}");
        assertThat(rest.delete("/api/admin/rooms/" + room, owner.token()).errorCode())
                .isEqualTo("forbidden");
        assertThat(rest.get("/api/admin/rooms", owner.token()).errorCode()).isEqualTo("forbidden");
        // The admin's room list holds private rooms too (an addition for the admin page).
        JsonNode all = rest.get(
                        "/api/admin/rooms?limit=100&after=" + room.substring(0, room.length() - 1), admin.token())
                .body();
        assertThat(all.path("rooms").get(0).path("name").asText()).isEqualTo(room);
        assertThat(all.path("rooms").get(0).path("private").asBoolean()).isTrue();
        try (WsClient o = WsClient.connect(port, owner.token())) {
            o.awaitType("ready");
            o.reply(o.send("type", "send", "room", room, "body", "soon gone"));
            // An admin who is not a member may moderate a private room: it exists for them.
            assertThat(rest.get("/api/rooms/" + room + "/bans", admin.token()).status())
                    .isEqualTo(200);
            assertThat(rest.delete("/api/admin/rooms/" + room, admin.token()).status())
                    .isEqualTo(204);
            JsonNode left = o.await(f -> f.path("type").asText().equals("left"));
            assertThat(left.path("room").asText()).isEqualTo(room);
            assertThat(left.path("by").asText()).isEqualTo(admin.username());
        }
        assertThat(rest.get("/api/rooms/" + room + "/messages", owner.token()).errorCode())
                .isEqualTo("no_such_room");
        assertThat(rest.delete("/api/admin/rooms/" + room, admin.token()).errorCode())
                .isEqualTo("no_such_room");
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                        roomNames(rest.get("/api/rooms", owner.token())))
                .doesNotContain(room));
    }

    private static List<String> roomNames(Rest.Reply reply) {
        return reply.body().path("rooms").findValuesAsText("name");
    }
}
