package io.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.support.Rest;
import io.parley.server.support.StackMode;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The REST side of PROTOCOL.md against a real replica, on each set of parts. */
@ParameterizedClass
@EnumSource(StackMode.class)
class RestApiIT {
    private static AutoCloseable stack;
    private static Rest rest;

    @Parameter
    StackMode mode;

    @BeforeParameterizedClassInvocation
    static void start(StackMode mode) throws Exception {
        StackMode.Started started = mode.start("rest-1", false, "PARLEY_LOGIN_RATE_LIMIT", "3");
        stack = started.parts();
        rest = new Rest(started.port());
    }

    @AfterParameterizedClassInvocation
    static void stop() throws Exception {
        stack.close();
    }

    private static String name() {
        return "u" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void registersAndLogsInIgnoringCaseButKeepsTheSpelling() {
        String name = "Mixed." + name();
        Rest.Reply registered = rest.register(name, "correct horse");
        assertThat(registered.status()).isEqualTo(201);
        assertThat(registered.body().path("user").path("username").asText()).isEqualTo(name);
        assertThat(registered.body().path("user").path("id").isTextual()).isTrue();
        assertThat(rest.register(name.toUpperCase(), "another password").errorCode())
                .isEqualTo("username_taken");
        Rest.Reply login = rest.login(name.toLowerCase(), "correct horse");
        assertThat(login.status()).isEqualTo(200);
        assertThat(login.body().path("user").path("username").asText()).isEqualTo(name);
        Rest.Reply me = rest.get("/api/me", login.body().path("token").asText());
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.body().path("user").path("username").asText()).isEqualTo(name);
        assertThat(me.body().path("rooms").isArray()).isTrue();
    }

    @Test
    void rejectsInvalidRegistrations() {
        assertThat(rest.register("ab", "long enough").errorCode()).isEqualTo("invalid_username");
        assertThat(rest.register("has space", "long enough").errorCode()).isEqualTo("invalid_username");
        assertThat(rest.register(name(), "short").errorCode()).isEqualTo("invalid_password");
        assertThat(rest.register(name(), "x".repeat(129)).errorCode()).isEqualTo("invalid_password");
        assertThat(rest.post("/api/auth/register", null, "{\"username\":5,\"password\":\"long enough\"}")
                        .errorCode())
                .isEqualTo("bad_request");
        assertThat(rest.post("/api/auth/register", null, "[]").status()).isEqualTo(400);
        Rest.Reply tooLarge = rest.post("/api/auth/register", null, "{\"username\":\"" + "x".repeat(20_000) + "\"}");
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tooLarge.errorCode()).isEqualTo("too_large");
        // The server closes that connection and says so, so the client's next request goes over a fresh one.
        assertThat(tooLarge.raw().headers().firstValue("connection")).hasValue("close");
        assertThat(rest.get("/healthz", null).status()).isEqualTo(200);
    }

    @Test
    void everyPasswordCharacterCountsBeyondBcryptsLimit() {
        String name = name();
        String base = "p".repeat(100);
        assertThat(rest.register(name, base + "A").status()).isEqualTo(201);
        assertThat(rest.login(name, base + "B").errorCode()).isEqualTo("invalid_credentials");
        assertThat(rest.login(name, base + "A").status()).isEqualTo(200);
    }

    @Test
    void failedLoginsAreUniformAndThenRateLimited() {
        String name = name();
        rest.register(name, "the password");
        assertThat(rest.login("nobody-" + name, "whatever1").errorCode()).isEqualTo("invalid_credentials");
        assertThat(rest.login("x y", "whatever1").errorCode()).isEqualTo("invalid_credentials");
        assertThat(rest.post("/api/auth/login", null, "{\"username\":\"a\"}").errorCode())
                .isEqualTo("bad_request");
        for (int i = 0; i < 3; i++) {
            assertThat(rest.login(name, "wrong password").status()).isEqualTo(401);
        }
        Rest.Reply limited = rest.login(name, "the password");
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.errorCode()).isEqualTo("rate_limited");
        assertThat(limited.raw().headers().firstValue("Retry-After")).isPresent();
        assertThat(limited.body().path("error").path("retryAfterMs").asLong()).isPositive();
    }

    @Test
    void roomsCanBeCreatedListedAndAreValidated() {
        Rest.Account a = rest.newAccount("rooms");
        String room = "r-" + UUID.randomUUID().toString().substring(0, 8);
        Rest.Reply created = rest.post("/api/rooms", a.token(), Rest.json("name", room));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.body().path("room").path("lastSeq").asLong()).isZero();
        assertThat(created.body().path("room").path("createdBy").asText()).isEqualTo(a.username());
        assertThat(rest.post("/api/rooms", a.token(), Rest.json("name", room)).errorCode())
                .isEqualTo("room_exists");
        assertThat(rest.post("/api/rooms", a.token(), Rest.json("name", "UPPER"))
                        .errorCode())
                .isEqualTo("invalid_room_name");
        assertThat(rest.post("/api/rooms", a.token(), Rest.json("name", "x".repeat(49)))
                        .errorCode())
                .isEqualTo("invalid_room_name");
        assertThat(rest.post("/api/rooms", a.token(), Rest.json("name", 7)).errorCode())
                .isEqualTo("bad_request");
        assertThat(rest.get("/api/rooms", a.token()).body().path("rooms").findValuesAsText("name"))
                .contains(room);
        assertThat(rest.get("/api/me", a.token()).body().path("rooms").findValuesAsText("name"))
                .containsExactly(room);

        Rest.Account b = rest.newAccount("outsider");
        assertThat(rest.get("/api/rooms/" + room + "/messages", b.token()).status())
                .isEqualTo(403);
        assertThat(rest.get("/api/rooms/nope-" + room + "/messages", b.token()).status())
                .isEqualTo(404);
        assertThat(rest.get("/api/rooms/" + room + "/messages?limit=101", a.token())
                        .errorCode())
                .isEqualTo("bad_request");
        assertThat(rest.get("/api/rooms/" + room + "/messages?before=-1", a.token())
                        .errorCode())
                .isEqualTo("bad_request");
        Rest.Reply empty = rest.get("/api/rooms/" + room + "/messages", a.token());
        assertThat(empty.status()).isEqualTo(200);
        assertThat(empty.body().path("messages").size()).isZero();
        assertThat(empty.body().path("hasMore").asBoolean()).isFalse();
    }

    @Test
    void everyApiCallButAuthNeedsAValidToken() {
        for (String path : new String[] {"/api/me", "/api/rooms", "/api/rooms/general/messages"}) {
            assertThat(rest.get(path, null).status()).isEqualTo(401);
            assertThat(rest.get(path, "garbage").errorCode()).isEqualTo("unauthorized");
        }
        assertThat(rest.get("/api/nothing", null).status()).isEqualTo(404);
    }

    @Test
    void healthReadinessAndMetricsAnswer() {
        assertThat(rest.get("/healthz", null).status()).isEqualTo(200);
        Rest.Reply ready = rest.get("/readyz", null);
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.body().path("redis").asText()).isEqualTo("up");
        assertThat(ready.body().path("db").asText()).isEqualTo("up");
        String metrics = rest.get("/metrics", null).raw().body();
        assertThat(metrics)
                .contains(
                        "parley_ws_connections ",
                        "parley_queue_depth{partition=\"0\"} ",
                        "parley_errors_total{code=\"");
    }
}
