package io.parley.nginx;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.parley.infra.DatabaseSettings;
import io.parley.testkit.WsClient;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A replica SIGKILLed behind the real nginx under steady load. Its clients reconnect through nginx (landing on the
 * others), fetch what they missed with {@code history after}, and send again what was not acknowledged, with the
 * same clientMsgId; nothing acknowledged is lost, nothing is stored twice, every client ends with every seq. Prints
 * its figures as the server module's ChaosIT does (docs/RELIABILITY.md).
 */
class NginxChaosIT {
    private static final int CLIENTS = 6;
    private static final List<String> ROOMS = List.of("k0", "k1", "k2", "k3");
    private static final Duration SEND_EVERY = Duration.ofMillis(100);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);

    @RegisterExtension
    static final LoopbackStackExtension STACK = new LoopbackStackExtension(3);

    @Test
    void clientsOfAReplicaKilledUnderLoadReconnectThroughNginxAndLoseNothing() throws Exception {
        LoopbackStack stack = STACK.stack();
        HttpClient http = stack.http;
        List<Client> clients = new ArrayList<>();
        try {
            Api api = stack.api();
            for (int i = 0; i < CLIENTS; i++) {
                Client c = new Client(http, stack, api.register("chaos" + i + "_" + RUN, "correct-horse-battery"));
                clients.add(c);
                c.start();
            }
            Awaitility.await().atMost(WAIT).until(() -> clients.stream().allMatch(c -> c.acked() >= 20));
            Map<String, Integer> perServer = new HashMap<>();
            clients.forEach(c -> perServer.merge(c.server(), 1, Integer::sum));
            String victim = perServer.entrySet().stream()
                    .max(Map.Entry.comparingByValue())
                    .orElseThrow()
                    .getKey();
            List<Client> orphans =
                    clients.stream().filter(c -> c.server().equals(victim)).toList();

            stack.servers.get(victim).kill();
            long killedAt = System.nanoTime();
            Awaitility.await().atMost(WAIT).until(() -> orphans.stream().allMatch(c -> c.caughtUpAfter(killedAt)));
            double recovery =
                    orphans.stream().mapToLong(Client::caughtUpAt).max().orElseThrow() - killedAt;
            assertThat(orphans).allMatch(c -> !c.server().equals(victim));
            long ackedAtRecovery = clients.stream().mapToLong(Client::acked).sum();
            Awaitility.await()
                    .atMost(WAIT)
                    .until(() -> clients.stream().mapToLong(Client::acked).sum() >= ackedAtRecovery + 60);

            clients.forEach(Client::stopSending);
            Awaitility.await().atMost(WAIT).until(() -> clients.stream().allMatch(Client::allAcked));
            assertThat(clients.stream().flatMap(c -> c.rejected().stream()))
                    .as("sends refused")
                    .isEmpty();
            try {
                Awaitility.await()
                        .atMost(WAIT)
                        .until(() -> audit(stack.services().database(), clients).lost() == 0);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                // Reported below as lost.
            }
            Map<String, Long> lastSeqs = lastSeqs(stack.services().database());
            try {
                Awaitility.await().atMost(WAIT).until(() -> clients.stream().allMatch(c -> c.missing(lastSeqs) == 0));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                // Reported below as gaps.
            }

            Audit audit = audit(stack.services().database(), clients);
            long gaps = clients.stream().mapToLong(c -> c.missing(lastSeqs)).sum();
            String figures = String.format(
                    Locale.ROOT,
                    "CHAOS replica SIGKILL behind nginx (%d of %d clients"
                            + " reconnect): sent=%d acked=%d unavailable=%d lost=%d duplicated=%d gaps=%d"
                            + " recovery=%.2fs",
                    orphans.size(),
                    CLIENTS,
                    clients.stream().mapToLong(Client::sent).sum(),
                    clients.stream().mapToLong(Client::acked).sum(),
                    clients.stream().mapToLong(Client::unavailable).sum(),
                    audit.lost(),
                    audit.duplicated(),
                    gaps,
                    recovery / 1e9);
            System.out.println(figures);
            Files.writeString(
                    Path.of("target", "chaos-figures.txt"),
                    figures + System.lineSeparator(),
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            assertThat(audit.lost()).as("acknowledged but not stored").isZero();
            assertThat(audit.duplicated()).as("stored twice").isZero();
            assertThat(gaps).as("seqs a client never got, live or by history").isZero();
        } finally {
            clients.forEach(Client::close);
        }
    }

    private record Audit(long lost, long duplicated) {}

    private static Audit audit(DatabaseSettings db, List<Client> clients) throws Exception {
        Set<String> stored = new HashSet<>();
        long rows = 0;
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT client_msg_id FROM messages")) {
            while (rs.next()) {
                rows++;
                stored.add(rs.getString(1));
            }
        }
        long lost = 0;
        for (Client client : clients) {
            lost += client.ackedIds().stream()
                    .filter(id -> !stored.contains(id))
                    .count();
        }
        return new Audit(lost, rows - stored.size());
    }

    private static Map<String, Long> lastSeqs(DatabaseSettings db) throws Exception {
        Map<String, Long> seqs = new HashMap<>();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT name, last_seq FROM rooms")) {
            while (rs.next()) {
                seqs.put(rs.getString(1), rs.getLong(2));
            }
        }
        return seqs;
    }

    /**
     * A chat client as a well-behaved program writes one: sends a message every 100 ms with a clientMsgId, and when
     * its connection drops, connects again through nginx, asks {@code history after} the last seq it has of each
     * room, and sends again everything not acknowledged yet. Its own thread connects and sends; frames are handled
     * on the socket's thread; state is guarded by this object's monitor.
     */
    private static final class Client implements WebSocket.Listener, AutoCloseable {
        private final HttpClient http;
        private final LoopbackStack stack;
        private final Api.Session session;
        private final LinkedBlockingQueue<ObjectNode> outbox = new LinkedBlockingQueue<>();
        private final Map<String, TreeSet<Long>> seqs = new HashMap<>();
        private final Map<String, String> unacked = new LinkedHashMap<>(); // clientMsgId -> room
        private final Set<String> ackedIds = new HashSet<>();
        private final List<String> rejected = new ArrayList<>();
        private final StringBuilder partial = new StringBuilder();
        private final Thread thread;
        private volatile boolean sending = true;
        private volatile boolean running = true;
        private WebSocket socket;
        private String server = "";
        private boolean connected;
        private int connections;
        private int historyPending;
        private long caughtUpAt;
        private long sent;
        private long unavailable;

        Client(HttpClient http, LoopbackStack stack, Api.Session session) {
            this.http = http;
            this.stack = stack;
            this.session = session;
            this.thread =
                    Thread.ofPlatform().name("chaos-" + session.username()).unstarted(this::run);
            ROOMS.forEach(r -> seqs.put(r, new TreeSet<>()));
        }

        void start() {
            thread.start();
        }

        private void run() {
            long n = 0;
            long nextSend = System.nanoTime();
            while (running) {
                try {
                    if (!isConnected()) {
                        connect();
                        continue;
                    }
                    ObjectNode frame = outbox.poll(10, TimeUnit.MILLISECONDS);
                    if (frame != null) {
                        write(frame);
                    } else if (sending && System.nanoTime() >= nextSend && isCaughtUp()) {
                        String room = ROOMS.get((int) (n % ROOMS.size()));
                        String id = session.username() + "-" + n++;
                        synchronized (this) {
                            unacked.put(id, room);
                            sent++;
                        }
                        write(send(id, room));
                        // A steady pace, without a burst to make up for the time spent reconnecting.
                        nextSend = Math.max(nextSend + SEND_EVERY.toNanos(), System.nanoTime());
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // The socket died under us: the next round connects again.
                    synchronized (this) {
                        connected = false;
                    }
                }
            }
        }

        private void connect() throws InterruptedException {
            try {
                WebSocket ws = http.newWebSocketBuilder()
                        .connectTimeout(Duration.ofSeconds(5))
                        .subprotocols("parley.v1", "bearer." + session.token())
                        .buildAsync(stack.nginxWs(), this)
                        .get(10, TimeUnit.SECONDS);
                synchronized (this) {
                    socket = ws;
                    connected = true;
                    connections++;
                }
            } catch (Exception e) {
                Thread.sleep(200); // nginx has no replica for us yet: try again shortly, as clients do
            }
        }

        private void write(ObjectNode frame) throws Exception {
            WebSocket ws;
            synchronized (this) {
                ws = socket;
            }
            ws.sendText(WsClient.JSON.writeValueAsString(frame), true).get(5, TimeUnit.SECONDS);
        }

        private static ObjectNode send(String clientMsgId, String room) {
            return WsClient.frame("send", clientMsgId)
                    .put("room", room)
                    .put("body", "chaos " + clientMsgId)
                    .put("clientMsgId", clientMsgId);
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(Long.MAX_VALUE);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    handle(WsClient.JSON.readTree(partial.toString()));
                } catch (IOException e) {
                    throw new AssertionError("invalid JSON from the server: " + partial, e);
                }
                partial.setLength(0);
            }
            return null;
        }

        private synchronized void handle(JsonNode f) {
            switch (f.path("type").asText()) {
                case "ready" -> {
                    server = f.path("server").asText();
                    Set<String> member = new HashSet<>();
                    f.path("rooms").forEach(r -> member.add(r.path("name").asText()));
                    outbox.clear(); // whatever was meant for the previous connection
                    historyPending = 0;
                    for (String room : ROOMS) {
                        historyPending++; // each room's history after the last seq we have, once joined
                        outbox.add(
                                member.contains(room)
                                        ? history(room)
                                        : WsClient.frame("join", "join-" + room).put("room", room));
                    }
                    // Same clientMsgId: acknowledged again if it got through, queued now if it did not.
                    unacked.forEach((id, room) -> outbox.add(send(id, room)));
                    if (historyPending == 0) {
                        caughtUpAt = System.nanoTime();
                    }
                }
                case "joined" -> {
                    if (f.path("ref").asText().startsWith("join-")) {
                        outbox.add(history(f.path("room").path("name").asText()));
                    }
                }
                case "ack" -> {
                    String id = f.path("clientMsgId").asText();
                    if (unacked.remove(id) != null) {
                        ackedIds.add(id);
                    }
                }
                case "message" ->
                    seqs.get(f.path("room").asText()).add(f.path("seq").asLong());
                case "history" -> {
                    String room = f.path("room").asText();
                    f.path("messages")
                            .forEach(m -> seqs.get(room).add(m.path("seq").asLong()));
                    if (f.path("hasMore").asBoolean()) {
                        outbox.add(history(room));
                    } else if (--historyPending == 0) {
                        caughtUpAt = System.nanoTime();
                    }
                }
                case "error" -> {
                    String ref = f.path("ref").asText();
                    String code = f.path("code").asText();
                    if (unacked.containsKey(ref) && (code.equals("unavailable") || code.equals("rate_limited"))) {
                        unavailable += code.equals("unavailable") ? 1 : 0;
                        outbox.add(send(ref, unacked.get(ref))); // transient: try again
                    } else if (unacked.remove(ref) != null) {
                        rejected.add(ref + ": " + f);
                    }
                }
                default -> {}
            }
        }

        private ObjectNode history(String room) {
            TreeSet<Long> have = seqs.get(room);
            // After the last contiguous seq: everything beyond it that is missing comes back in the pages.
            long after = 0;
            for (long s : have) {
                if (s != after + 1) {
                    break;
                }
                after = s;
            }
            return WsClient.frame("history", "h-" + room)
                    .put("room", room)
                    .put("after", after)
                    .put("limit", 100);
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            disconnected(webSocket);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            disconnected(webSocket);
        }

        private synchronized void disconnected(WebSocket webSocket) {
            if (webSocket == socket) {
                connected = false;
                caughtUpAt = 0;
            }
        }

        synchronized boolean isConnected() {
            return connected;
        }

        synchronized boolean isCaughtUp() {
            return connected && !server.isEmpty() && historyPending == 0 && caughtUpAt != 0;
        }

        synchronized boolean caughtUpAfter(long nanos) {
            return isCaughtUp() && caughtUpAt > nanos;
        }

        synchronized long caughtUpAt() {
            return caughtUpAt;
        }

        synchronized String server() {
            return server;
        }

        synchronized long acked() {
            return ackedIds.size();
        }

        synchronized Set<String> ackedIds() {
            return Set.copyOf(ackedIds);
        }

        synchronized long sent() {
            return sent;
        }

        synchronized long unavailable() {
            return unavailable;
        }

        synchronized boolean allAcked() {
            return unacked.isEmpty();
        }

        synchronized List<String> rejected() {
            return List.copyOf(rejected);
        }

        /** Seqs 1..last of each room (as stored) this client has neither received live nor by history. */
        synchronized long missing(Map<String, Long> lastSeqs) {
            long missing = 0;
            for (String room : ROOMS) {
                long last = lastSeqs.getOrDefault(room, 0L);
                missing += last - seqs.get(room).subSet(1L, true, last, true).size();
            }
            return missing;
        }

        void stopSending() {
            sending = false;
        }

        @Override
        public void close() {
            running = false;
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (this) {
                if (socket != null) {
                    socket.abort();
                }
            }
        }
    }
}
