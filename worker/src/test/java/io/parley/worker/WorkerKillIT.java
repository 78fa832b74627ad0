package io.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.protocol.FrameCodec;
import io.parley.protocol.Json;
import io.parley.protocol.QueueEnvelope;
import io.parley.protocol.RedisKeys;
import io.parley.testkit.ManagedProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.Pipeline;

/** Runs the packaged jar as a real process, kills it with SIGKILL mid-stream and lets a second one finish. */
class WorkerKillIT {
    private static final int PARTITIONS = 8;
    private static final int TOTAL = 6000;
    private static final Duration DEADLINE = Duration.ofSeconds(90);
    private static final Path JAR = Path.of("target", "parley-worker.jar");

    private final FrameCodec codec = new FrameCodec(Json.newMapper());
    private final List<ManagedProcess> processes = new ArrayList<>();
    private TestBed bed;
    private Fixtures fixtures;
    private RedisKeys keys;
    private JedisPool redis;
    private long alice;

    @BeforeEach
    void setUp() throws Exception {
        assertThat(JAR)
                .as("built by `mvn package` before the integration tests")
                .exists();
        bed = new TestBed();
        fixtures = bed.fixtures;
        keys = bed.keys;
        redis = bed.redis;
        alice = fixtures.createUser("alice");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (ManagedProcess p : processes) {
            p.kill();
        }
        bed.close();
    }

    @Test
    void aKilledWorkerLosesNothingAndItsSuccessorKeepsEveryRoomGapless() throws Exception {
        List<String> rooms = List.of("r-one", "r-two", "r-three", "r-four", "r-five", "r-six", "r-seven", "r-eight");
        for (String room : rooms) {
            fixtures.createRoom(room, alice);
        }
        Path health = Path.of("target", "kill-a-" + keys.prefix().replace(":", "") + ".health");
        Files.deleteIfExists(health);
        Process first = startWorker("kill-a", Map.of("PARLEY_WORKER_HEALTH_FILE", health.toString()));

        Map<String, List<String>> pushed = new LinkedHashMap<>();
        rooms.forEach(r -> pushed.put(r, new ArrayList<>()));
        AtomicInteger pushedCount = new AtomicInteger();
        // The second half waits for the kill, so that it lands mid-stream however slowly the worker starts.
        CountDownLatch killed = new CountDownLatch(1);
        Thread pusher = new Thread(
                () -> {
                    long id = 5_000_000_000L;
                    try (Jedis jedis = redis.getResource()) {
                        for (int i = 0; i < TOTAL; i += 20) {
                            if (i == TOTAL / 2 && !killed.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                                return;
                            }
                            Pipeline pipeline = jedis.pipelined();
                            for (int j = i; j < i + 20; j++) {
                                String room = rooms.get(j % rooms.size());
                                QueueEnvelope e = new QueueEnvelope(
                                        Long.toString(++id),
                                        room,
                                        Long.toString(alice),
                                        "alice",
                                        "body " + id,
                                        j % 2 == 0 ? null : "c-" + id,
                                        Fixtures.ACCEPTED_AT + j);
                                pushed.get(room).add(e.id());
                                pipeline.lpush(
                                        keys.queue(RedisKeys.partitionOf(room, PARTITIONS)),
                                        new String(codec.write(e), StandardCharsets.UTF_8));
                            }
                            pipeline.sync();
                            pushedCount.addAndGet(20);
                            // A steady stream rather than one burst, so that the kill lands in the middle of it.
                            LockSupport.parkNanos(Duration.ofMillis(25).toNanos());
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "test-pusher");
        pusher.start();

        await().atMost(DEADLINE).until(() -> Files.exists(health));
        await().atMost(DEADLINE).until(() -> fixtures.countMessages() >= 1000);
        first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        killed.countDown();
        assertThat(fixtures.countMessages()).as("killed mid-stream").isLessThan(TOTAL);
        assertThat(pushedCount.get()).as("pushing still going on").isLessThan(TOTAL);

        Process second = startWorker("kill-b", Map.of());
        pusher.join(DEADLINE.toMillis());
        await().atMost(DEADLINE).until(() -> fixtures.countMessages() == TOTAL);

        fixtures.assertStoredInPushOrder(pushed);
        await().atMost(DEADLINE).until(this::listsEmpty);

        // SIGTERM: the survivor finishes, releases its leases, leaves the live set and exits 0.
        second.destroy();
        assertThat(second.waitFor(20, TimeUnit.SECONDS))
                .as("exited after SIGTERM")
                .isTrue();
        assertThat(second.exitValue()).isZero();
        try (Jedis jedis = redis.getResource()) {
            for (int p = 0; p < PARTITIONS; p++) {
                assertThat(jedis.get(keys.lease(p))).as("lease %s", p).isNotEqualTo("kill-b");
            }
            assertThat(jedis.zscore(keys.workers(), "kill-b")).isNull();
        }
    }

    private Process startWorker(String id, Map<String, String> extraEnv) throws Exception {
        Map<String, String> env = new HashMap<>(bed.services.env());
        env.put("PARLEY_WORKER_ID", id);
        env.put("PARLEY_QUEUE_PARTITIONS", Integer.toString(PARTITIONS));
        env.put("PARLEY_WORKER_LEASE_MS", "2000");
        env.put("PARLEY_WORKER_BATCH", "200");
        env.put("PARLEY_MIGRATE", "true");
        env.putAll(extraEnv);
        ManagedProcess process = ManagedProcess.start(
                "worker-" + id,
                ManagedProcess.javaJar(List.of(), JAR),
                env,
                Path.of("target", "worker-" + id + ".log"));
        processes.add(process);
        return process.process();
    }

    private boolean listsEmpty() {
        try (Jedis jedis = redis.getResource()) {
            for (int p = 0; p < PARTITIONS; p++) {
                if (jedis.llen(keys.queue(p)) != 0 || jedis.llen(keys.inflight(p)) != 0) {
                    return false;
                }
            }
            return true;
        }
    }
}
