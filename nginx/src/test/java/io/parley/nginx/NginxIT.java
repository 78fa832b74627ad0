package io.parley.nginx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.testkit.ManagedProcess;
import io.parley.testkit.Ports;
import io.parley.testkit.WsClient;
import io.parley.testkit.WsClient.TokenIn;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real nginx binary with nginx/parley.conf.template in front of three server replicas and a worker: routing,
 * WebSocket upgrade, balancing, failover when a replica dies, the static client and a token-free access log.
 * Tests run in order: the last ones kill and stop replicas.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NginxIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String PASSWORD = "correct-horse-battery";
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final List<String> tokens = new CopyOnWriteArrayList<>();
    private static final List<WsClient> sockets = new CopyOnWriteArrayList<>();

    private static HttpClient http;
    private static LoopbackStack stack;
    private static Api api;

    @RegisterExtension
    static final LoopbackStackExtension STACK = new LoopbackStackExtension(3);

    @BeforeAll
    static void useStack() {
        stack = STACK.stack();
        http = stack.http;
        api = stack.api();
    }

    @AfterAll
    static void closeSockets() {
        sockets.forEach(WsClient::close);
    }

    @Test
    @Order(1)
    void servesTheClientWithSecurityHeadersGzipAndSpaFallback() throws Exception {
        HttpResponse<String> index = api.get("/", null);
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
        assertThat(index.body()).contains("<div id=\"root\">");
        String csp = index.headers().firstValue("Content-Security-Policy").orElse("");
        assertThat(csp).contains("default-src 'self'", "connect-src 'self' ws: wss:", "frame-ancestors 'none'");
        assertThat(index.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(index.headers().firstValue("Referrer-Policy")).isPresent();
        assertThat(index.headers().firstValue("Server")).hasValue("nginx"); // server_tokens off: no version

        HttpResponse<String> deepLink = api.get("/rooms/general?x=1", null);
        assertThat(deepLink.statusCode()).isEqualTo(200);
        assertThat(deepLink.body()).isEqualTo(index.body());

        assertThat(api.get("/assets/missing-999.js", null).statusCode()).isEqualTo(404);
        HttpResponse<byte[]> asset = api.getBytes("/assets/app-1234.js", "gzip");
        assertThat(asset.statusCode()).isEqualTo(200);
        assertThat(asset.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(asset.headers().firstValue("Cache-Control").orElse("")).contains("max-age=");
    }

    @Test
    @Order(2)
    void proxiesHealthAndReadinessButKeepsMetricsInternal() throws Exception {
        assertThat(api.get("/healthz", null).statusCode()).isEqualTo(200);
        assertThat(api.get("/readyz", null).statusCode()).isEqualTo(200);

        int replicaPort = stack.serverPorts.values().iterator().next();
        Api direct = new Api(http, java.net.URI.create("http://127.0.0.1:" + replicaPort + "/"));
        assertThat(direct.get("/metrics", null).statusCode())
                .as("a replica serves /metrics")
                .isEqualTo(200);
        HttpResponse<String> viaNginx = api.get("/metrics", null);
        assertThat(viaNginx.statusCode()).isEqualTo(404);
        assertThat(viaNginx.body()).doesNotContain("# TYPE");
    }

    @Test
    @Order(3)
    void refusesOversizedBodiesAtTheEdge() throws Exception {
        String huge = WsClient.JSON.writeValueAsString(WsClient.JSON
                .createObjectNode()
                .put("username", "x".repeat(100 * 1024))
                .put("password", PASSWORD));
        assertThat(api.post("/api/auth/register", huge).statusCode()).isEqualTo(413);
    }

    @Test
    @Order(4)
    void registersLogsInAndAuthenticatesThroughNginx() throws Exception {
        Api.Session registered = register("gina");
        Api.Session loggedIn = login(registered.username());
        assertThat(loggedIn.userId()).isEqualTo(registered.userId());

        HttpResponse<String> me = api.get("/api/me", loggedIn.token());
        assertThat(me.statusCode()).isEqualTo(200);
        assertThat(WsClient.JSON
                        .readTree(me.body())
                        .path("user")
                        .path("username")
                        .asText())
                .isEqualTo(registered.username());
        assertThat(api.get("/api/me", null).statusCode()).isEqualTo(401);

        // A refused upgrade is the server's 401, passed through (not retried into a 502).
        Throwable refused =
                catchThrowable(() -> WsClient.open(http, stack.nginxWs(), "not-a-token", TokenIn.SUBPROTOCOL, WAIT));
        while (refused != null && !(refused instanceof WebSocketHandshakeException)) {
            refused = refused.getCause();
        }
        assertThat(refused).as("handshake refused").isInstanceOf(WebSocketHandshakeException.class);
        assertThat(((WebSocketHandshakeException) refused).getResponse().statusCode())
                .isEqualTo(401);
    }

    @Test
    @Order(5)
    void dockerHealthChecksPassAgainstTheRealProcesses() throws Exception {
        // backend: docker/http-health.sh, the script the image's health check runs.
        String script = Repo.resolve("docker/http-health.sh").toString();
        int replicaPort = stack.serverPorts.values().iterator().next();
        assertThat(run("bash", script, Integer.toString(replicaPort), "/readyz"))
                .isZero();
        assertThat(run("bash", script, Integer.toString(Ports.free()), "/readyz"))
                .isNotZero();
        assertThat(run("bash", script, Integer.toString(replicaPort), "/api/no-such-path"))
                .isNotZero();

        // worker: the same script against its /healthz (the compose health check), and the file it keeps touching.
        String healthFile = stack.dir.resolve(LoopbackStack.WORKER_HEALTH_FILE).toString();
        long deadline = System.nanoTime() + WAIT.toNanos();
        int code;
        do {
            code = run("bash", script, Integer.toString(stack.workerHttpPort), "/healthz");
        } while (code != 0 && System.nanoTime() < deadline && sleep(500));
        assertThat(code).as("worker /healthz").isZero();
        assertThat(run("sh", "-c", "find '" + healthFile + "' -mmin -1 | grep -q ."))
                .as("PARLEY_WORKER_HEALTH_FILE")
                .isZero();
    }

    @Test
    @Order(6)
    void spreadsWebSocketsOverEveryReplica() throws Exception {
        Api.Session hana = register("hana");
        Set<String> seen = new HashSet<>();
        List<WsClient> opened = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            WsClient s = open(hana, i % 2 == 0 ? TokenIn.SUBPROTOCOL : TokenIn.HEADER);
            opened.add(s);
            seen.add(s.server());
        }
        assertThat(seen).as("servers of 6 connections").containsExactlyInAnyOrderElementsOf(stack.servers.keySet());
        opened.forEach(WsClient::close);
    }

    @Test
    @Order(7)
    void usersOnDifferentReplicasChat() throws Exception {
        Api.Session alice = login(register("alice").username());
        Api.Session bob = login(register("bob").username());
        WsClient a = open(alice, TokenIn.SUBPROTOCOL);
        WsClient b = openAvoiding(bob, TokenIn.HEADER, Set.of(a.server()));
        String room = "nginx-it-" + RUN;
        join(a, room);
        join(b, room);

        sendMessage(a, "s1", room, "hi bob", "c-1");
        JsonNode ack = a.await(
                f -> "ack".equals(f.path("type").asText())
                        && "s1".equals(f.path("ref").asText()),
                WAIT);
        JsonNode atBob = b.await(message(room, "hi bob"), WAIT);
        JsonNode atAlice = a.await(message(room, "hi bob"), WAIT);
        assertThat(atBob.path("id").asText()).isEqualTo(ack.path("id").asText());
        assertThat(atBob.path("sender").asText()).isEqualTo(alice.username());
        assertThat(atBob.path("seq").asLong())
                .isEqualTo(atAlice.path("seq").asLong())
                .isPositive();
        assertThat(a.frames().indexOf(ack))
                .as("ack before message")
                .isLessThan(a.frames().indexOf(atAlice));
    }

    @Test
    @Order(8)
    void clientsOfAKilledReplicaReconnectElsewhereAndCatchUp() throws Exception {
        Api.Session erin = login(register("erin").username());
        Api.Session frank = login(register("frank").username());
        WsClient e = open(erin, TokenIn.SUBPROTOCOL);
        WsClient f = openAvoiding(frank, TokenIn.SUBPROTOCOL, Set.of(e.server()));
        String victim = f.server();
        String room = "failover-" + RUN;
        join(e, room);
        join(f, room);
        sendMessage(e, "b1", room, "before", "b-1");
        long lastSeq = f.await(message(room, "before"), WAIT).path("seq").asLong();

        stack.servers.get(victim).kill();
        assertThat(f.awaitClosed(WAIT))
                .as("socket on the killed replica %s closes", victim)
                .isNotNull();

        // Erin's replica lives on: her messages are acknowledged and stored while Frank is away.
        for (String body : List.of("missed-1", "missed-2")) {
            sendMessage(e, body, room, body, body);
            e.await(message(room, body), WAIT);
        }

        WsClient again = open(frank, TokenIn.SUBPROTOCOL);
        assertThat(again.server()).isNotEqualTo(victim);
        assertThat(again.readyLastSeq(room)).isGreaterThanOrEqualTo(lastSeq + 2);
        again.send(WsClient.frame("history", "h1").put("room", room).put("after", lastSeq));
        JsonNode history = again.await(
                f2 -> "history".equals(f2.path("type").asText())
                        && "h1".equals(f2.path("ref").asText()),
                WAIT);
        List<String> bodies = new ArrayList<>();
        history.path("messages").forEach(m -> bodies.add(m.path("body").asText()));
        assertThat(bodies).containsExactly("missed-1", "missed-2");

        // New connections (and REST calls) never surface the dead replica: Nginx fails over to the others.
        for (int i = 0; i < 6; i++) {
            assertThat(open(erin, TokenIn.HEADER).server()).isNotEqualTo(victim);
            assertThat(api.get("/api/me", erin.token()).statusCode()).isEqualTo(200);
        }
    }

    @Test
    @Order(9)
    void aRestartedReplicaTakesConnectionsAgainWithoutReloadingNginx() throws Exception {
        String down = stack.servers.entrySet().stream()
                .filter(e -> !e.getValue().isAlive())
                .map(e -> e.getKey())
                .findFirst()
                .orElseThrow(() -> new AssertionError("the previous test left no replica down"));
        stack.restart(down, http);
        Api.Session judy = login(register("judy").username());
        // Nginx retries a failed server after fail_timeout (5 s); least_conn then prefers the empty replica.
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        Set<String> seen = new HashSet<>();
        while (!seen.contains(down) && System.nanoTime() < deadline) {
            seen.add(open(judy, TokenIn.SUBPROTOCOL).server());
            if (!seen.contains(down)) {
                sleep(1000);
            }
        }
        assertThat(seen).as("servers of connections after %s came back", down).contains(down);
    }

    @Test
    @Order(10)
    void aReplicaStoppingGracefullyClosesItsSocketsWith1001ThroughNginx() throws Exception {
        Api.Session ivan = login(register("ivan").username());
        WsClient s = open(ivan, TokenIn.SUBPROTOCOL);
        ManagedProcess replica = stack.servers.get(s.server());
        replica.process().destroy(); // SIGTERM, as `docker compose stop` sends
        assertThat(s.awaitClosed(Duration.ofSeconds(30))).isEqualTo(1001);
        assertThat(replica.process().waitFor(30, TimeUnit.SECONDS))
                .as("replica exits after SIGTERM")
                .isTrue();
        assertThat(open(ivan, TokenIn.SUBPROTOCOL).server()).isNotEqualTo(s.server());
    }

    @Test
    @Order(11)
    void accessLogNeverContainsATokenOrCredentialHeader() throws Exception {
        sockets.forEach(WsClient::close);
        // Nginx logs a WebSocket request when it ends, so wait until the closed sockets' lines are written.
        long deadline = System.nanoTime() + WAIT.toNanos();
        String log;
        do {
            log = Files.readString(stack.accessLog(), StandardCharsets.UTF_8);
        } while (!log.contains("\"path\":\"/ws\"") && System.nanoTime() < deadline && sleep(200));

        assertThat(log).contains("\"path\":\"/ws\"", "\"path\":\"/api/auth/login\"");
        assertThat(tokens).isNotEmpty();
        String errors =
                Files.exists(stack.errorLog()) ? Files.readString(stack.errorLog(), StandardCharsets.UTF_8) : "";
        for (String token : tokens) {
            String signature = token.substring(token.lastIndexOf('.') + 1);
            assertThat(log).doesNotContain(signature);
            assertThat(errors).doesNotContain(signature);
        }
        assertThat(log.toLowerCase(Locale.ROOT)).doesNotContain("bearer", "authorization", "password");
    }

    @Test
    @Order(12)
    void withNoReplicaLeftClientsGetTheProtocolsUnavailableError() throws Exception {
        for (ManagedProcess replica : stack.servers.values()) {
            replica.kill();
        }
        HttpResponse<String> me = api.get("/api/me", tokens.get(0));
        assertThat(me.statusCode()).isEqualTo(503);
        assertThat(WsClient.JSON.readTree(me.body()).path("error").path("code").asText())
                .isEqualTo("unavailable");
        assertThat(api.get("/", null).statusCode())
                .as("the client is still served")
                .isEqualTo(200);
    }

    // ---- helpers ----

    private static Api.Session register(String name) throws Exception {
        Api.Session s = api.register(name + "_" + RUN, PASSWORD);
        tokens.add(s.token());
        return s;
    }

    private static Api.Session login(String username) throws Exception {
        Api.Session s = api.login(username, PASSWORD);
        tokens.add(s.token());
        return s;
    }

    private static WsClient open(Api.Session user, TokenIn tokenIn) throws Exception {
        WsClient s = WsClient.open(http, stack.nginxWs(), user.token(), tokenIn, WAIT);
        sockets.add(s);
        return s;
    }

    /** Opens connections until one lands on a replica not in {@code avoid}; the others stay open (least_conn). */
    private static WsClient openAvoiding(Api.Session user, TokenIn tokenIn, Set<String> avoid) throws Exception {
        for (int i = 0; i < 6; i++) {
            WsClient s = open(user, tokenIn);
            if (!avoid.contains(s.server())) {
                return s;
            }
        }
        throw new AssertionError("6 connections all landed on " + avoid);
    }

    private static void sendMessage(WsClient s, String ref, String room, String body, String clientMsgId) {
        s.send(WsClient.frame("send", ref).put("room", room).put("body", body).put("clientMsgId", clientMsgId));
    }

    private static void join(WsClient s, String room) throws Exception {
        String ref = "j-" + UUID.randomUUID();
        s.send(WsClient.frame("join", ref).put("room", room));
        s.await(
                f -> "joined".equals(f.path("type").asText())
                        && ref.equals(f.path("ref").asText()),
                WAIT);
    }

    private static java.util.function.Predicate<JsonNode> message(String room, String body) {
        return f -> "message".equals(f.path("type").asText())
                && room.equals(f.path("room").asText())
                && body.equals(f.path("body").asText());
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    /** A pause between polls of a condition that has its own deadline; always true, to sit in a loop condition. */
    private static boolean sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
        return true;
    }
}
