package io.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.parley.infra.RedisSettings;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.Json;
import io.parley.protocol.QueueEnvelope;
import io.parley.protocol.RedisKeys;
import io.parley.protocol.ServerFrame;
import io.parley.protocol.Timestamps;
import io.parley.testkit.PrivateRedis;
import io.parley.worker.config.WorkerConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;

class WorkerIT {
    private static final int PARTITIONS = 8;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private final ObjectMapper mapper = Json.newMapper();
    private final FrameCodec codec = new FrameCodec(mapper);
    private final AtomicLong ids = new AtomicLong(7_000_000);
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private TestBed bed;
    private long alice;

    @BeforeEach
    void setUp() throws Exception {
        bed = new TestBed();
        alice = bed.fixtures.createUser("alice");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeables.reversed()) {
            c.close();
        }
        bed.close();
    }

    @Test
    void deliversQueuedEnvelopesAsMessageFramesInSeqOrderAndStoresThem() throws Exception {
        List<String> rooms = List.of("general", "random");
        for (String room : rooms) {
            bed.fixtures.createRoom(room, alice);
        }
        ChannelRecorder recorder = closing(new ChannelRecorder(
                bed.services.redis().uri(),
                rooms.stream().map(bed.keys::roomChannel).toList()));
        closing(startWorker("w1", 3000, bed.services.redis()));

        List<QueueEnvelope> pushed = new ArrayList<>();
        try (Jedis jedis = bed.redis.getResource()) {
            for (int i = 0; i < 200; i++) {
                pushed.add(push(jedis, envelope(rooms.get(i % 2), i % 5 == 0 ? null : "c-" + i)));
            }
        }

        await().atMost(DEADLINE).until(() -> recorder.total() == 200);
        for (String room : rooms) {
            List<QueueEnvelope> expected =
                    pushed.stream().filter(e -> e.room().equals(room)).toList();
            List<String> frames = recorder.messages(bed.keys.roomChannel(room));
            assertThat(frames).hasSize(expected.size());
            for (int i = 0; i < frames.size(); i++) {
                QueueEnvelope e = expected.get(i);
                ServerFrame.Message want = new ServerFrame.Message(
                        e.id(),
                        room,
                        i + 1,
                        e.sender(),
                        e.body(),
                        e.clientMsgId(),
                        Timestamps.formatMillis(e.acceptedAt()));
                // Byte for byte the frame the servers hand to clients.
                assertThat(frames.get(i)).isEqualTo(new String(codec.encode(want), StandardCharsets.UTF_8));
            }
            assertThat(bed.fixtures.messages(room))
                    .extracting(r -> Long.toString(r.id()))
                    .containsExactlyElementsOf(
                            expected.stream().map(QueueEnvelope::id).toList());
            assertThat(bed.fixtures.lastSeq(room)).isEqualTo(100);
        }
        await().atMost(DEADLINE).until(this::queuesAndInflightAreEmpty);
    }

    @Test
    void twoWorkersSharePartitionsAndKeepEveryRoomGaplessAndInOrder() throws Exception {
        List<String> rooms = roomsCoveringEveryPartition(16);
        for (String room : rooms) {
            bed.fixtures.createRoom(room, alice);
        }
        Worker first = closing(startWorker("w-first", 3000, bed.services.redis()));
        Worker second = closing(startWorker("w-second", 3000, bed.services.redis()));

        await().atMost(DEADLINE).untilAsserted(() -> {
            Set<Integer> a = first.partitions();
            Set<Integer> b = second.partitions();
            assertThat(a).hasSize(PARTITIONS / 2);
            assertThat(b).hasSize(PARTITIONS / 2).doesNotContainAnyElementsOf(a);
            assertThat(leaseOwners()).containsOnly("w-first", "w-second").hasSize(PARTITIONS);
        });
        Map<String, List<String>> pushed = pushRoundRobin(rooms, 3000);
        await().atMost(DEADLINE).until(() -> bed.fixtures.countMessages() == 3000);
        bed.fixtures.assertStoredInPushOrder(pushed);

        // The first one stops: the second takes its partitions over and keeps each room's sequence going.
        first.close();
        await().atMost(DEADLINE).until(() -> second.partitions().size() == PARTITIONS);
        Map<String, List<String>> more = pushRoundRobin(rooms, 800);
        more.forEach((room, list) -> pushed.get(room).addAll(list));
        await().atMost(DEADLINE).until(() -> bed.fixtures.countMessages() == 3800);
        bed.fixtures.assertStoredInPushOrder(pushed);
        await().atMost(DEADLINE).until(this::queuesAndInflightAreEmpty);
    }

    @Test
    void processesADeadWorkersInflightLeftoversFirstOnceItsLeaseExpires() throws Exception {
        String room = "lobby";
        int partition = RedisKeys.partitionOf(room, PARTITIONS);
        long roomId = bed.fixtures.createRoom(room, alice);
        QueueEnvelope committed = envelope(room, "left-1");
        QueueEnvelope left2 = envelope(room, "left-2");
        QueueEnvelope left3 = envelope(room, null);
        // The dead worker committed its first leftover but died before publishing it.
        try (var c = bed.fixtures.connect();
                var s = c.createStatement()) {
            s.executeUpdate("INSERT INTO messages (id, room_id, seq, sender_id, sender_name, body, client_msg_id,"
                    + " created_at) VALUES (" + committed.id() + ", " + roomId + ", 1, " + alice
                    + ", 'alice', 'body', 'left-1', '2026-11-27 17:20:11.123')");
            s.executeUpdate("UPDATE rooms SET last_seq = 1 WHERE id = " + roomId);
        }
        List<QueueEnvelope> queued = new ArrayList<>();
        long leaseSetAt;
        try (Jedis jedis = bed.redis.getResource()) {
            for (QueueEnvelope e : List.of(committed, left2, left3)) {
                jedis.lpush(bed.keys.inflight(partition), mapper.writeValueAsString(e));
            }
            for (int i = 0; i < 5; i++) {
                queued.add(push(jedis, envelope(room, "new-" + i)));
            }
            leaseSetAt = System.currentTimeMillis();
            jedis.set(
                    bed.keys.lease(partition),
                    "dead-worker",
                    SetParams.setParams().px(2000));
        }
        ChannelRecorder recorder =
                closing(new ChannelRecorder(bed.services.redis().uri(), List.of(bed.keys.roomChannel(room))));

        Worker worker = closing(startWorker("heir", 2000, bed.services.redis()));

        await().atMost(DEADLINE).until(() -> recorder.total() == 8);
        assertThat(recorder.firstArrivalMs(bed.keys.roomChannel(room)))
                .as("nothing before the dead lease expired")
                .isGreaterThanOrEqualTo(leaseSetAt + 2000);
        List<ServerFrame.Message> frames = new ArrayList<>();
        for (String frame : recorder.messages(bed.keys.roomChannel(room))) {
            frames.add((ServerFrame.Message) codec.decodeServer(frame.getBytes(StandardCharsets.UTF_8)));
        }
        List<String> expectedOrder = new ArrayList<>(List.of(committed.id(), left2.id(), left3.id()));
        queued.forEach(e -> expectedOrder.add(e.id()));
        assertThat(frames).extracting(ServerFrame.Message::id).containsExactlyElementsOf(expectedOrder);
        assertThat(frames).extracting(ServerFrame.Message::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
        assertThat(bed.fixtures.messages(room))
                .extracting(r -> Long.toString(r.id()))
                .containsExactlyElementsOf(expectedOrder);
        await().atMost(DEADLINE).until(this::queuesAndInflightAreEmpty);
        assertThat(worker.partitions()).contains(partition);
        try (Jedis jedis = bed.redis.getResource()) {
            assertThat(jedis.get(bed.keys.lease(partition))).isEqualTo("heir");
        }
    }

    @Test
    void losesNothingWhenItsRedisIsRestartedMidStream() throws Exception {
        List<String> rooms = List.of("alpha", "beta", "gamma", "delta", "epsilon", "zeta");
        for (String room : rooms) {
            bed.fixtures.createRoom(room, alice);
        }
        PrivateRedis privateRedis = closing(PrivateRedis.withAof("always"));
        JedisPool privatePool = closing(new JedisPool(privateRedis.uri()));
        closing(startWorker(
                "survivor",
                3000,
                new RedisSettings(privateRedis.uri(), bed.services.redis().prefix())));

        int total = 4000;
        Map<String, List<String>> pushed = new LinkedHashMap<>();
        rooms.forEach(r -> pushed.put(r, new ArrayList<>()));
        AtomicInteger pushFailures = new AtomicInteger();
        AtomicInteger pushedCount = new AtomicInteger();
        Thread pusher = new Thread(
                () -> {
                    for (int i = 0; i < total; i++) {
                        QueueEnvelope e = envelope(rooms.get(i % rooms.size()), null);
                        pushed.get(e.room()).add(e.id());
                        // A push that failed is pushed again, as a server would before acknowledging; a repeat is
                        // deduped.
                        while (true) {
                            try (Jedis jedis = privatePool.getResource()) {
                                push(jedis, e);
                                break;
                            } catch (JedisException ex) {
                                pushFailures.incrementAndGet();
                                LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
                            }
                        }
                        pushedCount.incrementAndGet();
                        if (i % 10 == 0) {
                            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
                        }
                    }
                },
                "test-pusher");
        pusher.start();

        await().atMost(DEADLINE).until(() -> bed.fixtures.countMessages() >= 500);
        privateRedis.kill();
        // Down for longer than the 3 s lease (each failed push waits 50 ms): leases expire and must be taken again.
        await().atMost(DEADLINE).until(() -> pushFailures.get() >= 80);
        assertThat(pushedCount.get()).as("killed mid-stream").isLessThan(total);
        privateRedis.start();

        pusher.join(DEADLINE.toMillis());
        await().atMost(DEADLINE).until(() -> bed.fixtures.countMessages() == total);
        bed.fixtures.assertStoredInPushOrder(pushed);
        try (Jedis jedis = privatePool.getResource()) {
            await().atMost(DEADLINE).until(() -> listsEmpty(jedis));
        }
    }

    // ---------------------------------------------------------------- helpers

    private Worker startWorker(String id, int leaseMs, RedisSettings redisSettings) {
        return WorkerMain.start(new WorkerConfig(
                bed.services.database(), redisSettings, id, PARTITIONS, 100, leaseMs, false, Optional.empty(), 0));
    }

    private <T extends AutoCloseable> T closing(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    private QueueEnvelope envelope(String room, String clientMsgId) {
        long id = ids.incrementAndGet();
        return new QueueEnvelope(
                Long.toString(id),
                room,
                Long.toString(alice),
                "alice",
                "body " + id + " \u00e9",
                clientMsgId,
                Fixtures.ACCEPTED_AT + id);
    }

    private QueueEnvelope push(Jedis jedis, QueueEnvelope e) {
        jedis.lpush(
                bed.keys.queue(RedisKeys.partitionOf(e.room(), PARTITIONS)),
                new String(codec.write(e), StandardCharsets.UTF_8));
        return e;
    }

    private Map<String, List<String>> pushRoundRobin(List<String> rooms, int count) throws Exception {
        Map<String, List<String>> pushed = new HashMap<>();
        try (Jedis jedis = bed.redis.getResource()) {
            for (int i = 0; i < count; i++) {
                QueueEnvelope e = envelope(rooms.get(i % rooms.size()), null);
                e = push(
                        jedis,
                        new QueueEnvelope(
                                e.id(), e.room(), e.senderId(), e.sender(), e.body(), "k-" + e.id(), e.acceptedAt()));
                pushed.computeIfAbsent(e.room(), r -> new ArrayList<>()).add(e.id());
            }
        }
        return pushed;
    }

    /** At least {@code count} room names, together hashing onto every partition. */
    private static List<String> roomsCoveringEveryPartition(int count) {
        List<String> rooms = new ArrayList<>();
        Set<Integer> covered = new HashSet<>();
        for (int i = 0; rooms.size() < count || covered.size() < PARTITIONS; i++) {
            String room = "room-" + i;
            rooms.add(room);
            covered.add(RedisKeys.partitionOf(room, PARTITIONS));
        }
        return rooms;
    }

    private List<String> leaseOwners() {
        try (Jedis jedis = bed.redis.getResource()) {
            List<String> owners = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                String owner = jedis.get(bed.keys.lease(p));
                if (owner != null) {
                    owners.add(owner);
                }
            }
            return owners;
        }
    }

    private boolean queuesAndInflightAreEmpty() {
        try (Jedis jedis = bed.redis.getResource()) {
            return listsEmpty(jedis);
        }
    }

    private boolean listsEmpty(Jedis jedis) {
        for (int p = 0; p < PARTITIONS; p++) {
            if (jedis.llen(bed.keys.queue(p)) != 0 || jedis.llen(bed.keys.inflight(p)) != 0) {
                return false;
            }
        }
        return true;
    }
}
