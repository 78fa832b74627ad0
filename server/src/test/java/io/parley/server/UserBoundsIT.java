package io.parley.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.support.OneServer;
import io.parley.server.support.RawWebSocket;
import io.parley.server.support.Rest;
import io.parley.testkit.WsClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Per-user bounds: connections per user and rooms per user, GET /api/rooms paged, ready small at the cap. */
class UserBoundsIT {
    private static final int MAX_CONNECTIONS = 3;
    private static final int MAX_ROOMS = 1000; // the default, so the ready size below is the one operators get

    @RegisterExtension
    static final OneServer server = OneServer.named(
            "bounds",
            "PARLEY_MAX_CONNECTIONS_PER_USER",
            Integer.toString(MAX_CONNECTIONS),
            "PARLEY_RATE_PER_SEC",
            "100000",
            "PARLEY_RATE_BURST",
            "100000");

    @Test
    void aUserCannotHoldMoreConnectionsThanTheLimit() {
        Rest.Account a = server.rest().newAccount("many");
        List<WsClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_CONNECTIONS; i++) {
                WsClient c = WsClient.connect(server.port(), a.token());
                c.awaitType("ready");
                open.add(c);
            }
            assertThat(WsClient.refusedStatus(
                            WsClient.builder().subprotocols("parley.v1", "bearer." + a.token()), server.port()))
                    .isEqualTo(429);
            Rest.Account other = server.rest().newAccount("other");
            try (WsClient c = WsClient.connect(server.port(), other.token())) {
                assertThat(c.awaitType("ready").path("user").path("username").asText())
                        .as("other users are not affected")
                        .isEqualTo(other.username());
            }
            open.remove(0).close();
            await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() -> {
                WsClient c = WsClient.connect(server.port(), a.token());
                open.add(c);
                return c.awaitType("ready") != null;
            });
        } finally {
            open.forEach(WsClient::close);
        }
    }

    @Test
    void theRefusalSaysWhy() throws IOException {
        Rest.Account a = server.rest().newAccount("why");
        List<RawWebSocket> open = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_CONNECTIONS; i++) {
                open.add(RawWebSocket.connect(server.port(), a.token()));
            }
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
                s.setSoTimeout(10_000);
                s.getOutputStream()
                        .write(("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                                        + "Authorization: Bearer " + a.token() + "\r\n\r\n")
                                .getBytes(UTF_8));
                String response = new String(s.getInputStream().readAllBytes(), UTF_8);
                assertThat(response).startsWith("HTTP/1.1 429").contains("\"too_many_connections\"");
            }
        } finally {
            for (RawWebSocket ws : open) {
                ws.close();
            }
        }
    }

    @Test
    void roomsPerUserAreCappedAndReadyStaysSmallAtTheCap() {
        Rest.Account a = server.rest().newAccount("joiner");
        String prefix = "cap" + Long.toString(System.nanoTime(), 36) + "-";
        try (WsClient c = WsClient.connect(server.port(), a.token())) {
            c.awaitType("ready");
            List<String> refs = new ArrayList<>();
            for (int i = 0; i < MAX_ROOMS; i++) {
                refs.add(c.send("type", "join", "room", prefix + i));
            }
            for (String ref : refs) {
                JsonNode reply = c.reply(ref);
                assertThat(reply.path("type").asText()).as("reply %s", reply).isEqualTo("joined");
            }
            c.expectError(c.send("type", "join", "room", prefix + "one-too-many"), "too_many_rooms");
            assertThat(server.rest()
                            .post("/api/rooms", a.token(), Rest.json("name", prefix + "created"))
                            .errorCode())
                    .isEqualTo("too_many_rooms");
            // Joining a room one is already in is still fine at the cap; leaving makes room for another.
            assertThat(c.reply(c.send("type", "join", "room", prefix + "0"))
                            .path("type")
                            .asText())
                    .isEqualTo("joined");
            c.reply(c.send("type", "leave", "room", prefix + "0"));
            assertThat(c.reply(c.send("type", "join", "room", prefix + "new"))
                            .path("type")
                            .asText())
                    .isEqualTo("joined");
        }
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), a.token())) {
            RawWebSocket.Frame ready = ws.read();
            assertThat(ready.text()).startsWith("{\"type\":\"ready\"");
            int bytes = ready.payload().length;
            System.out.printf("ready at the cap of %d rooms: %d bytes (%.1f KiB)%n", MAX_ROOMS, bytes, bytes / 1024.0);
            assertThat(bytes).isLessThan(64 * 1024);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        int meBytes = server.rest().get("/api/me", a.token()).raw().body().getBytes(UTF_8).length;
        System.out.printf("GET /api/me at the cap: %d bytes (%.1f KiB)%n", meBytes, meBytes / 1024.0);
    }

    @Test
    void getRoomsIsPagedByAnExclusiveNameCursor() {
        Rest.Account a = server.rest().newAccount("pager");
        String prefix = "pg" + Long.toString(System.nanoTime(), 36) + "-";
        for (int i = 0; i < 5; i++) {
            assertThat(server.rest()
                            .post("/api/rooms", a.token(), Rest.json("name", prefix + i))
                            .status())
                    .isEqualTo(201);
        }
        List<String> seen = new ArrayList<>();
        String after = prefix; // every name of this test sorts after its prefix
        boolean more = true;
        while (more) {
            JsonNode page = server.rest()
                    .get("/api/rooms?limit=2&after=" + after, a.token())
                    .body();
            List<String> names = page.path("rooms").findValuesAsText("name");
            assertThat(names.size()).isLessThanOrEqualTo(2);
            names.stream().filter(n -> n.startsWith(prefix)).forEach(seen::add);
            more = page.path("hasMore").asBoolean() && names.stream().allMatch(n -> n.startsWith(prefix));
            after = names.isEmpty() ? after : names.get(names.size() - 1);
        }
        assertThat(seen).containsExactly(prefix + 0, prefix + 1, prefix + 2, prefix + 3, prefix + 4);
        JsonNode firstPage = server.rest().get("/api/rooms", a.token()).body();
        assertThat(firstPage.path("rooms").isArray()).isTrue();
        assertThat(firstPage.has("hasMore")).as("v1 shape plus hasMore").isTrue();
        assertThat(server.rest().get("/api/rooms?limit=0", a.token()).errorCode())
                .isEqualTo("bad_request");
        assertThat(server.rest().get("/api/rooms?limit=1001", a.token()).errorCode())
                .isEqualTo("bad_request");
        assertThat(server.rest().get("/api/rooms?after=NOT_A_ROOM", a.token()).errorCode())
                .isEqualTo("bad_request");
    }
}
