package io.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.protocol.RedisKeys;
import io.parley.server.support.ChaosLoad;
import io.parley.server.support.PrivateMariaDb;
import io.parley.server.support.Rest;
import io.parley.server.support.Stack;
import io.parley.testkit.PrivateRedis;
import io.parley.testkit.WsClient;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;

/**
 * Faults injected into a running stack under steady load (two replicas, real worker processes): each test prints
 * its figures (sent, acked, lost, duplicated, gaps, recovery seconds), kept in docs/RELIABILITY.md.
 */
class ChaosIT {
    static final int PARTITIONS = 8;
    static final List<String> ROOMS = List.of(
            "c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11", "c12", "c13", "c14", "c15");
    static final String[] FAST = {"PARLEY_RATE_PER_SEC", "5000", "PARLEY_RATE_BURST", "5000"};
    static final Duration SETTLE = Duration.ofSeconds(60);
    /** Queue bound per partition in the database outage: reached within seconds at this test's rate. */
    static final int QUEUE_BOUND = 300;

    private Stack stack;
    private int port1;
    private int port2;

    @BeforeEach
    void start() {
        stack = new Stack();
    }

    private void startReplicas(String... env) throws Exception {
        List<String> all = new ArrayList<>(List.of(FAST));
        all.addAll(List.of(env));
        port1 = stack.startServer("chaos-1", all.toArray(String[]::new)).port();
        port2 = stack.startServer("chaos-2", all.toArray(String[]::new)).port();
    }

    @AfterEach
    void stop() {
        stack.close();
    }

    @Test
    void aSigkilledWorkersPartitionsMoveWithinSecondsAndNothingIsLost() throws Exception {
        Process doomed = startReplicasAndTwoWorkers("doomed", "survivor");
        try (ChaosLoad load = bothReplicas()) {
            load.awaitAcked(400, SETTLE);
            Set<String> itsRooms = roomsLeasedBy("doomed");
            doomed.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            long killedAt = System.nanoTime();
            Predicate<ChaosLoad.Delivery> servedAgain = newlyStoredIn(itsRooms);
            double recovery = load.secondsToFirstDelivery(killedAt, servedAgain, SETTLE);
            finishLosingNothing(load, 400, "worker SIGKILL (1 of 2)", recovery);
            // The lease is 1.5 s, renewed every 300 ms; typically ~1.7 s here. The margin absorbs a loaded machine.
            assertThat(recovery).isLessThan(4.0);
        }
    }

    @Test
    void aStoppedWorkerLosesItsPartitionsAndWakesUpHarmlessly() throws Exception {
        Process frozen = startReplicasAndTwoWorkers("frozen", "awake");
        try (ChaosLoad load = bothReplicas()) {
            load.awaitAcked(400, SETTLE);
            Set<String> itsRooms = roomsLeasedBy("frozen");
            signal("STOP", frozen);
            long stoppedAt = System.nanoTime();
            Predicate<ChaosLoad.Delivery> servedAgain = newlyStoredIn(itsRooms);
            try {
                Awaitility.await().atMost(SETTLE).until(() -> leaseOwners().stream()
                        .allMatch("awake"::equals));
                load.awaitAcked(200, SETTLE);
            } finally {
                // Woken with a batch in hand and leases long gone: it must neither store twice nor take anything.
                signal("CONT", frozen);
            }
            // Frozen inside a transaction, it holds its rooms' locks until it wakes: then recovery includes the stop.
            double recovery = load.secondsToFirstDelivery(stoppedAt, servedAgain, SETTLE);
            finishLosingNothing(load, 400, "worker SIGSTOP (1 of 2) then SIGCONT", recovery);
            assertThat(frozen.isAlive()).as("the woken worker carries on").isTrue();
        }
    }

    /**
     * Redis SIGKILLed under load and restarted from its append-only file. A SIGKILL keeps what Redis wrote to the
     * file (the page cache survives the process), so every setting keeps what was acknowledged here; only
     * {@code always} fsyncs before answering, which keeps it through a power loss too (docs/RELIABILITY.md).
     * Whatever the workers published before the replicas resubscribed reaches every client through the catch-up,
     * and no replica declares the other's users offline.
     */
    @ParameterizedTest
    @ValueSource(strings = {"always", "everysec", "no"})
    void redisSigkilledAndRestartedFromItsAppendOnlyFile(String appendfsync) throws Exception {
        try (PrivateRedis redis = PrivateRedis.withAof(appendfsync)) {
            String url = redis.uri().toString();
            startReplicas("PARLEY_REDIS_URL", url);
            stack.startWorker("aof-1", "PARLEY_REDIS_URL", url);
            stack.startWorker("aof-2", "PARLEY_REDIS_URL", url);
            try (ChaosLoad load = bothReplicas()) {
                load.awaitDelivered(600, SETTLE);
                redis.kill();
                Awaitility.await().atMost(SETTLE).until(() -> load.unavailable() > 20);
                redis.start();
                long restartedAt = System.nanoTime();
                double recovery = load.secondsToFirstDelivery(restartedAt, d -> true, SETTLE);
                ChaosLoad.Figures f = load.finish(
                        600,
                        SETTLE,
                        "Redis SIGKILL + restart, appendfsync " + appendfsync,
                        stack.services().database(),
                        recovery);
                System.out.println("CHAOS   offline presence events: " + load.offlineEvents());
                if (appendfsync.equals("always")) {
                    assertThat(f.lost()).isZero();
                }
                assertThat(f.duplicated()).isZero();
                assertThat(f.disordered()).isZero();
                assertThat(f.gaps()).as("stored but never delivered live").isEqualTo(f.lost());
                assertThat(load.offlineEvents()).as("false offline presence").isZero();
            }
        }
    }

    /**
     * The database SIGKILLed under load and started again 30 s later: the queue absorbs the sends (acknowledged) up to
     * its bound, then they are refused with {@code unavailable}; afterwards every acknowledged message is stored once,
     * in order, and delivered.
     */
    @Test
    void aThirtySecondDatabaseOutageIsAbsorbedByTheBoundedQueue() throws Exception {
        try (PrivateMariaDb mariadb = new PrivateMariaDb()) {
            var db = mariadb.database(stack.services().database().databaseName());
            String[] env = {"PARLEY_DB_URL", db.jdbcUrl(), "PARLEY_QUEUE_MAX_DEPTH", Integer.toString(QUEUE_BOUND)};
            startReplicas(env);
            stack.startWorker("db-1", env);
            stack.startWorker("db-2", env);
            try (ChaosLoad load = bothReplicas()) {
                load.awaitDelivered(400, SETTLE);
                mariadb.kill();
                long downAt = System.nanoTime();
                long ackedAtKill = load.acked();
                Awaitility.await().atMost(SETTLE).until(() -> load.unavailable() > 0);
                // The outage lasts 30 s whatever happens meanwhile: that is the fault being injected.
                Thread.sleep(Duration.ofSeconds(30).minusNanos(System.nanoTime() - downAt));
                long ackedDuringOutage = load.acked() - ackedAtKill;
                List<Long> depths = queueDepths();
                mariadb.start();
                long upAt = System.nanoTime();
                double recovery = load.secondsToFirstDelivery(upAt, d -> true, SETTLE);
                ChaosLoad.Figures f = load.finish(400, SETTLE, "database SIGKILL, down 30 s", db, recovery);
                System.out.printf(
                        "CHAOS   acked during the outage: %d; queue depths at its end: %s (bound %d)%n",
                        ackedDuringOutage, depths, QUEUE_BOUND);
                assertThat(ackedDuringOutage).as("the queue absorbed sends").isPositive();
                assertThat(depths).allMatch(d -> d <= QUEUE_BOUND);
                assertThat(Duration.ofNanos(upAt - downAt)).isGreaterThanOrEqualTo(Duration.ofSeconds(30));
                assertNothingLost(f);
            }
        }
    }

    /**
     * A client that stops reading in rooms with steady traffic of 3 KB messages is dropped once 2 MiB wait for it,
     * and nobody else notices: the watchers on the same replica get everything.
     */
    @Test
    void aSlowReaderIsDroppedAndTheOthersMissNothing() throws Exception {
        startReplicas();
        stack.startWorker("slow-w");
        Rest rest = new Rest(port1);
        Rest.Account sloth = rest.newAccount("sloth");
        try (WsClient joiner = WsClient.connect(port1, sloth.token())) {
            joiner.awaitType("ready");
            for (String room : ROOMS) {
                joiner.reply(joiner.send("type", "join", "room", room));
            }
        }
        try (ChaosLoad load = new ChaosLoad(List.of(port1, port2), List.of(port1, port2), ROOMS, 200, 3000)) {
            load.awaitAcked(200, SETTLE);
            long before = rest.wsConnections();
            try (WsClient unread = WsClient.connectNotReading(port1, sloth.token())) {
                Awaitility.await().atMost(SETTLE).until(() -> rest.wsConnections() == before + 1);
                long openedAt = System.nanoTime();
                Awaitility.await().atMost(SETTLE).until(() -> rest.wsConnections() == before);
                double dropped = (System.nanoTime() - openedAt) / 1e9;
                finishLosingNothing(load, 200, "slow reader (3 KB messages, 600 KB/s)", dropped);
            }
        }
    }

    /** Senders and watchers on both replicas, 200 sends a second. */
    private ChaosLoad bothReplicas() {
        return new ChaosLoad(List.of(port1, port2), List.of(port1, port2), ROOMS, 200);
    }

    /** Deliveries of messages stored from now on in {@code rooms}: the sign that their partitions are served again. */
    private Predicate<ChaosLoad.Delivery> newlyStoredIn(Set<String> rooms) throws Exception {
        Map<String, Long> storedBefore = lastStoredSeqs();
        return d -> rooms.contains(d.room()) && d.seq() > storedBefore.getOrDefault(d.room(), 0L);
    }

    /** Ends the scenario ({@link ChaosLoad#finish}) on the stack's database and asserts that nothing was lost. */
    private void finishLosingNothing(ChaosLoad load, long moreAcks, String scenario, double recovery) throws Exception {
        assertNothingLost(
                load.finish(moreAcks, SETTLE, scenario, stack.services().database(), recovery));
    }

    private static void assertNothingLost(ChaosLoad.Figures f) {
        assertThat(f.lost()).as("lost").isZero();
        assertThat(f.duplicated()).as("duplicated").isZero();
        assertThat(f.disordered()).as("disordered").isZero();
        assertThat(f.gaps()).as("gaps").isZero();
    }

    /** Both replicas and two workers, once each worker holds half the partitions; answers the first worker. */
    private Process startReplicasAndTwoWorkers(String first, String second) throws Exception {
        startReplicas();
        Process process = stack.startWorker(first);
        stack.startWorker(second);
        awaitLeasesSplit(first, second);
        return process;
    }

    private void awaitLeasesSplit(String a, String b) {
        Awaitility.await().atMost(SETTLE).until(() -> {
            Map<String, Integer> counts = new HashMap<>();
            for (String owner : leaseOwners()) {
                counts.merge(owner, 1, Integer::sum);
            }
            return counts.getOrDefault(a, 0) == PARTITIONS / 2 && counts.getOrDefault(b, 0) == PARTITIONS / 2;
        });
    }

    private List<String> leaseOwners() {
        return perPartition((jedis, keys, p) -> jedis.get(keys.lease(p)));
    }

    /** One value read per partition from the stack's Redis. */
    private <T> List<T> perPartition(PartitionRead<T> read) {
        RedisKeys keys = new RedisKeys(stack.services().redis().prefix());
        List<T> values = new ArrayList<>();
        try (Jedis jedis = new Jedis(stack.services().redis().uri())) {
            for (int p = 0; p < PARTITIONS; p++) {
                values.add(read.read(jedis, keys, p));
            }
        }
        return values;
    }

    @FunctionalInterface
    private interface PartitionRead<T> {
        T read(Jedis jedis, RedisKeys keys, int partition);
    }

    private Set<String> roomsLeasedBy(String worker) {
        List<String> owners = leaseOwners();
        Set<String> rooms = new HashSet<>();
        for (String room : ROOMS) {
            if (worker.equals(owners.get(RedisKeys.partitionOf(room, PARTITIONS)))) {
                rooms.add(room);
            }
        }
        assertThat(rooms).as("rooms on %s's partitions", worker).isNotEmpty();
        return rooms;
    }

    private List<Long> queueDepths() {
        return perPartition((jedis, keys, p) -> jedis.llen(keys.queue(p)));
    }

    private Map<String, Long> lastStoredSeqs() throws Exception {
        var db = stack.services().database();
        Map<String, Long> seqs = new HashMap<>();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT r.name, MAX(m.seq) FROM messages m JOIN rooms r"
                        + " ON r.id = m.room_id GROUP BY r.name")) {
            while (rs.next()) {
                seqs.put(rs.getString(1), rs.getLong(2));
            }
        }
        return seqs;
    }

    static void signal(String signal, Process process) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                .inheritIO()
                .start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0)
                .as("kill -%s", signal)
                .isTrue();
    }
}
