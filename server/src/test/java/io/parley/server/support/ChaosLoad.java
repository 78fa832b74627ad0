package io.parley.server.support;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.infra.DatabaseSettings;
import io.parley.testkit.WsClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * Steady chat traffic for chaos tests: one sender per given replica port sends into every room at a fixed rate (each
 * send with a clientMsgId, so retried sends would dedupe), one watcher per given replica port records every message
 * it receives; then the audit says what was acknowledged, stored, lost, duplicated and missed live.
 */
public final class ChaosLoad implements AutoCloseable {
    private final List<String> rooms;
    private final long periodNanos;
    private final String padding;
    private final List<Sender> senders = new ArrayList<>();
    private final List<Watcher> watchers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean sending = true;
    private volatile boolean running = true;

    /** What one chaos run measured; {@link #toString()} is the line printed and kept for docs/RELIABILITY.md. */
    public record Figures(
            String scenario,
            long sent,
            long acked,
            long unavailable,
            long lost,
            long duplicated,
            long disordered,
            long gaps,
            long redelivered,
            double recoverySeconds) {
        @Override
        public String toString() {
            return String.format(
                    java.util.Locale.ROOT,
                    "CHAOS %s: sent=%d acked=%d unavailable=%d lost=%d duplicated=%d disordered=%d gaps=%d"
                            + " redelivered=%d recovery=%.2fs",
                    scenario,
                    sent,
                    acked,
                    unavailable,
                    lost,
                    duplicated,
                    disordered,
                    gaps,
                    redelivered,
                    recoverySeconds);
        }

        /** Prints the line and appends it to target/chaos-figures.txt, which docs/RELIABILITY.md is filled from. */
        public Figures report() {
            System.out.println(this);
            try {
                Files.writeString(
                        Path.of("target", "chaos-figures.txt"),
                        this + System.lineSeparator(),
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                System.out.println("could not record the figures: " + e);
            }
            return this;
        }
    }

    /** One message as a watcher received it. */
    public record Delivery(String room, long seq, String id, long atNanos) {}

    public ChaosLoad(List<Integer> senderPorts, List<Integer> watcherPorts, List<String> rooms, int sendsPerSecond) {
        this(senderPorts, watcherPorts, rooms, sendsPerSecond, 0);
    }

    /** With bodies padded to about {@code bodyChars} characters. */
    public ChaosLoad(
            List<Integer> senderPorts,
            List<Integer> watcherPorts,
            List<String> rooms,
            int sendsPerSecond,
            int bodyChars) {
        this.rooms = List.copyOf(rooms);
        this.padding = " " + "x".repeat(Math.max(0, bodyChars - 16));
        this.periodNanos = 1_000_000_000L / sendsPerSecond * senderPorts.size();
        for (int port : watcherPorts) {
            WsClient c = joined(port, "watch");
            Watcher w = new Watcher(c);
            watchers.add(w);
            threads.add(Thread.ofPlatform().name("chaos-watcher-" + port).start(w::read));
        }
        for (int port : senderPorts) {
            WsClient c = joined(port, "send");
            Sender s = new Sender(c, "s" + senders.size() + "-");
            senders.add(s);
            threads.add(Thread.ofPlatform().name("chaos-reader-" + port).start(s::read));
        }
        for (Sender s : senders) {
            threads.add(Thread.ofPlatform().name("chaos-sender").start(s::send));
        }
    }

    private WsClient joined(int port, String prefix) {
        Rest.Account account = new Rest(port).newAccount(prefix);
        WsClient c = WsClient.connect(port, account.token());
        c.awaitType("ready");
        for (String room : rooms) {
            c.reply(c.send("type", "join", "room", room));
        }
        return c;
    }

    public long sent() {
        return senders.stream().mapToLong(s -> s.sent.get()).sum();
    }

    public long acked() {
        return senders.stream().mapToLong(s -> s.acked.size()).sum();
    }

    public long unavailable() {
        return senders.stream().mapToLong(s -> s.unavailable.get()).sum();
    }

    /** Presence frames saying a user went offline, as the watchers got them; no client leaves during a run. */
    public long offlineEvents() {
        long n = 0;
        for (Watcher w : watchers) {
            synchronized (w) {
                n += w.offline;
            }
        }
        return n;
    }

    /** Every delivery to every watcher so far, in arrival order per watcher. */
    public List<Delivery> deliveries() {
        List<Delivery> all = new ArrayList<>();
        for (Watcher w : watchers) {
            synchronized (w) {
                all.addAll(w.deliveries);
            }
        }
        return all;
    }

    /** Seconds from {@code sinceNanos} to the first delivery after it that matches, waiting up to {@code wait}. */
    public double secondsToFirstDelivery(long sinceNanos, Predicate<Delivery> match, Duration wait) {
        long[] at = {0};
        Awaitility.await().atMost(wait).until(() -> {
            for (Delivery d : deliveries()) {
                if (d.atNanos() > sinceNanos && match.test(d) && (at[0] == 0 || d.atNanos() < at[0])) {
                    at[0] = d.atNanos();
                }
            }
            return at[0] != 0;
        });
        return (at[0] - sinceNanos) / 1e9;
    }

    /** Waits until at least {@code n} more sends have been acknowledged. */
    public void awaitAcked(long n, Duration wait) {
        long target = acked() + n;
        Awaitility.await().atMost(wait).until(() -> acked() >= target);
    }

    /** Waits until the watchers have received at least {@code n} more messages: the workers are storing. */
    public void awaitDelivered(long n, Duration wait) {
        long target = deliveries().size() + n;
        Awaitility.await().atMost(wait).until(() -> deliveries().size() >= target);
    }

    /** Stops sending and waits until every watcher has every acknowledged message, or {@code wait} passes. */
    public void stopAndSettle(Duration wait) {
        sending = false;
        LockSupport.parkNanos(Duration.ofMillis(300).toNanos()); // replies to the last sends
        try {
            Awaitility.await().atMost(wait).until(() -> watchers.stream().allMatch(w -> w.hasAll(ackedIds())));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // The audit reports what is missing.
        }
    }

    /**
     * How every scenario ends: {@code moreAcks} further acknowledged sends, then {@link #stopAndSettle}, then the
     * {@link #audit} against {@code db}, reported.
     */
    public Figures finish(long moreAcks, Duration wait, String scenario, DatabaseSettings db, double recoverySeconds)
            throws SQLException {
        awaitAcked(moreAcks, wait);
        stopAndSettle(wait);
        return audit(scenario, db, recoverySeconds).report();
    }

    /** When an ack arrived ({@link System#nanoTime()}) and on which sender's connection (its index). */
    public record Ack(long atNanos, int sender) {}

    /** The first ack of each acknowledged send, by message id. */
    public Map<String, Ack> acks() {
        Map<String, Ack> all = new HashMap<>();
        for (int i = 0; i < senders.size(); i++) {
            for (Map.Entry<String, Long> e : senders.get(i).ackedAt.entrySet()) {
                all.put(e.getKey(), new Ack(e.getValue(), i));
            }
        }
        return all;
    }

    /** The ids of every acknowledged send. */
    public Set<String> ackedIds() {
        Set<String> ids = new HashSet<>();
        senders.forEach(s -> ids.addAll(s.acked));
        return ids;
    }

    /**
     * The figures of the run: lost counts acknowledged messages missing from the database; duplicated, messages
     * stored twice (or any break in a room's seqs 1..n); disordered, messages stored before an earlier one of the
     * same sender to the same room; gaps, acknowledged messages that some watcher never
     * received live; redelivered, messages a watcher received again (clients drop those by seq).
     */
    public Figures audit(String scenario, DatabaseSettings db, double recoverySeconds) throws SQLException {
        Set<String> acked = ackedIds();
        Set<String> stored = new HashSet<>();
        long rows;
        long disordered = 0;
        Map<String, List<Long>> seqsByRoom = new HashMap<>();
        Map<String, Long> lastSentIndex = new HashMap<>();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT m.id, r.name, m.seq, m.client_msg_id FROM messages m JOIN rooms r"
                        + " ON r.id = m.room_id ORDER BY r.name, m.seq")) {
            rows = 0;
            while (rs.next()) {
                rows++;
                stored.add(rs.getString(1));
                seqsByRoom
                        .computeIfAbsent(rs.getString(2), k -> new ArrayList<>())
                        .add(rs.getLong(3));
                // clientMsgId "s<sender>-<i>": one sender's messages to a room must be stored in the order sent.
                String clientMsgId = rs.getString(4);
                int dash = clientMsgId.indexOf('-');
                long index = Long.parseLong(clientMsgId.substring(dash + 1));
                Long previous = lastSentIndex.put(rs.getString(2) + "/" + clientMsgId.substring(0, dash), index);
                if (previous != null && previous > index) {
                    disordered++;
                }
            }
        }
        long lost = acked.stream().filter(id -> !stored.contains(id)).count();
        long duplicated = rows - stored.size();
        for (List<Long> seqs : seqsByRoom.values()) {
            for (int i = 0; i < seqs.size(); i++) {
                if (seqs.get(i) != i + 1) {
                    duplicated++; // a seq gap or repeat in storage: never expected
                }
            }
        }
        long gaps = 0;
        long redelivered = 0;
        for (Watcher w : watchers) {
            synchronized (w) {
                redelivered += w.redelivered;
                gaps = Math.max(
                        gaps, acked.stream().filter(id -> !w.ids.contains(id)).count());
            }
        }
        return new Figures(
                scenario,
                sent(),
                acked.size(),
                unavailable(),
                lost,
                duplicated,
                disordered,
                gaps,
                redelivered,
                recoverySeconds);
    }

    @Override
    public void close() {
        sending = false;
        running = false;
        for (Thread t : threads) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        senders.forEach(s -> s.client.close());
        watchers.forEach(w -> w.client.close());
    }

    private final class Sender {
        private final WsClient client;
        private final String idPrefix;
        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong unavailable = new AtomicLong();
        private final Set<String> acked = ConcurrentHashMap.newKeySet();
        private final Map<String, Long> ackedAt = new ConcurrentHashMap<>();

        Sender(WsClient client, String idPrefix) {
            this.client = requireNonNull(client, "client");
            this.idPrefix = idPrefix;
        }

        void send() {
            long next = System.nanoTime();
            for (long i = 0; sending && !client.isClosed(); i++) {
                client.send(
                        "type",
                        "send",
                        "room",
                        rooms.get((int) (i % rooms.size())),
                        "body",
                        "chaos " + i + padding,
                        "clientMsgId",
                        idPrefix + i);
                sent.incrementAndGet();
                next += periodNanos;
                LockSupport.parkNanos(next - System.nanoTime());
            }
        }

        void read() {
            while (running) {
                JsonNode f = poll(client);
                if (f == null) {
                    continue;
                }
                switch (f.path("type").asText()) {
                    case "ack" -> {
                        ackedAt.putIfAbsent(f.path("id").asText(), System.nanoTime());
                        acked.add(f.path("id").asText());
                    }
                    case "error" -> {
                        if ("unavailable".equals(f.path("code").asText())) {
                            unavailable.incrementAndGet();
                        }
                    }
                    default -> {}
                }
            }
        }
    }

    private final class Watcher {
        private final WsClient client;
        private final List<Delivery> deliveries = new ArrayList<>();
        private final Map<String, Set<Long>> seqs = new HashMap<>();
        private final Set<String> ids = new HashSet<>();
        private long redelivered;
        private long offline;

        Watcher(WsClient client) {
            this.client = requireNonNull(client, "client");
        }

        void read() {
            while (running) {
                JsonNode f = poll(client);
                if (f != null
                        && "presence".equals(f.path("type").asText())
                        && f.has("online")
                        && !f.path("online").asBoolean()) {
                    synchronized (this) {
                        offline++;
                    }
                }
                if (f == null || !"message".equals(f.path("type").asText())) {
                    continue;
                }
                long now = System.nanoTime();
                synchronized (this) {
                    String room = f.path("room").asText();
                    long seq = f.path("seq").asLong();
                    if (!seqs.computeIfAbsent(room, k -> new HashSet<>()).add(seq)) {
                        redelivered++;
                        continue;
                    }
                    ids.add(f.path("id").asText());
                    deliveries.add(new Delivery(room, seq, f.path("id").asText(), now));
                }
            }
        }

        synchronized boolean hasAll(Set<String> wanted) {
            return ids.containsAll(wanted);
        }
    }

    private static JsonNode poll(WsClient client) {
        try {
            return client.poll(Duration.ofMillis(200));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
