package io.parley.worker;

import static io.parley.worker.Fixtures.envelope;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import io.parley.infra.Databases;
import io.parley.infra.RedisClient;
import io.parley.infra.TestServices;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.Json;
import io.parley.protocol.QueueEnvelope;
import io.parley.protocol.RedisKeys;
import io.parley.worker.bus.MessageFrames;
import io.parley.worker.queue.EnvelopeDecoder;
import io.parley.worker.queue.PartitionLeases;
import io.parley.worker.queue.PartitionQueue;
import io.parley.worker.queue.Taken;
import io.parley.worker.store.MessageBatchWriter;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;

class BatchCommitterIT {
    private static final AtomicLong ids = new AtomicLong(95_000_000_000L);
    private static final int BATCH = 5;

    private final ObjectMapper mapper = Json.newMapper();
    private final AtomicInteger commits = new AtomicInteger();
    private TestServices.Isolated services;
    private HikariDataSource dataSource;
    private JedisPool redis;
    private RedisClient client;
    private RedisKeys keys;
    private PartitionLeases leases;
    private PartitionQueue queue;
    private Fixtures fixtures;
    private long alice;
    private BatchCommitter committer;
    private PartitionConsumer.Collaborators collaborators;

    @BeforeEach
    void setUp() throws Exception {
        services = TestServices.isolated();
        Databases.migrate(services.database());
        dataSource = Databases.open(services.database(), "committer-it");
        redis = new JedisPool(services.redis().uri());
        client = RedisClient.open(services.redis(), 4, Duration.ofSeconds(5));
        keys = new RedisKeys(services.redis().prefix());
        leases = new PartitionLeases(client, keys, "committer-it", 10_000);
        queue = new PartitionQueue(client, keys, "committer-it");
        fixtures = new Fixtures(services.database());
        alice = fixtures.createUser("alice");
        DataSource counting = new CountingDataSource(dataSource, commits);
        committer = new BatchCommitter(
                counting,
                new MessageBatchWriter(),
                queue,
                new EnvelopeDecoder(mapper),
                new MessageFrames(keys, new FrameCodec(mapper)),
                new Outage("MySQL"),
                new Outage("Redis"),
                new Metrics(),
                BATCH,
                "committer-it");
        committer.start();
        collaborators = new PartitionConsumer.Collaborators(
                queue, leases, committer, new Retrier(), new Outage("Redis"), BATCH);
    }

    @AfterEach
    void tearDown() throws Exception {
        committer.close();
        dataSource.close();
        try (Jedis jedis = redis.getResource()) {
            for (int p = 0; p < 4; p++) {
                jedis.del(keys.queue(p), keys.inflight(p), keys.lease(p));
            }
        }
        redis.close();
        client.close();
        services.dropDatabase();
    }

    @Test
    void batchesThatArriveDuringACommitShareTheNextTransactionAndAreEachPublishedAndAcknowledged() throws Exception {
        List<String> rooms = List.of("gate", "p1", "p2", "p3");
        List<CompletableFuture<BatchCommitter.Handback>> results = new ArrayList<>();
        List<List<QueueEnvelope>> pushed = new ArrayList<>();
        try (ChannelRecorder recorder = new ChannelRecorder(
                        services.redis().uri(),
                        rooms.stream().map(keys::roomChannel).toList());
                Connection blocker = dataSource.getConnection()) {
            for (int p = 0; p < rooms.size(); p++) {
                fixtures.createRoom(rooms.get(p), alice);
                pushed.add(push(p, rooms.get(p), BATCH));
            }
            // Holds the first round inside its transaction, so the other partitions' batches pile up behind it.
            blocker.setAutoCommit(false);
            try (PreparedStatement ps =
                    blocker.prepareStatement("SELECT id FROM rooms WHERE name = 'gate' FOR UPDATE")) {
                ps.executeQuery().close();
            }
            for (int p = 0; p < rooms.size(); p++) {
                PartitionConsumer consumer = new PartitionConsumer(p, collaborators, ended -> {});
                List<String> batch = take(p);
                results.add(CompletableFuture.supplyAsync(() -> committer.consume(consumer, batch)));
                if (p == 0) {
                    Thread.sleep(300);
                }
            }
            Thread.sleep(300);
            assertThat(results).noneMatch(CompletableFuture::isDone);
            blocker.commit();

            for (int p = 0; p < rooms.size(); p++) {
                BatchCommitter.Handback back = results.get(p).get(10, TimeUnit.SECONDS);
                assertThat(back).isInstanceOf(BatchCommitter.Handback.Drained.class);
                assertThat(queue.inflightLength(p)).isZero();
                List<String> ids = pushed.get(p).stream().map(QueueEnvelope::id).toList();
                assertThat(fixtures.messages(rooms.get(p)))
                        .extracting(row -> Long.toString(row.id()))
                        .containsExactlyElementsOf(ids);
                assertThat(fixtures.messages(rooms.get(p)))
                        .extracting(Fixtures.Row::seq)
                        .containsExactly(1L, 2L, 3L, 4L, 5L);
                String channel = keys.roomChannel(rooms.get(p));
                long deadline = System.currentTimeMillis() + 5_000;
                while (recorder.messages(channel).size() < BATCH && System.currentTimeMillis() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(recorder.messages(channel)).hasSize(BATCH);
            }
        }
        // One transaction for the gate's batch, one for the three that waited behind it.
        assertThat(commits.get()).isEqualTo(2);
    }

    @Test
    void eachRoomOfARoundIsPublishedOnceWithItsMessagesInSeqOrder() throws Exception {
        fixtures.createRoom("odd", alice);
        fixtures.createRoom("even", alice);
        List<String> channels = List.of(keys.roomChannel("odd"), keys.roomChannel("even"));
        try (ChannelRecorder recorder = new ChannelRecorder(services.redis().uri(), channels)) {
            try (Jedis jedis = redis.getResource()) {
                // Interleaved in the queue: odd, even, odd, even, odd.
                for (int i = 0; i < BATCH; i++) {
                    long id = ids.incrementAndGet();
                    String room = i % 2 == 0 ? "odd" : "even";
                    jedis.lpush(
                            keys.queue(2),
                            mapper.writeValueAsString(envelope(id, room, alice, "alice", "m" + id, "c-" + id)));
                }
            }
            assertThat(leases.tryAcquire(2)).isTrue();
            PartitionConsumer consumer = new PartitionConsumer(2, collaborators, ended -> {});

            BatchCommitter.Handback back = committer.consume(consumer, take(2));

            assertThat(back).isInstanceOf(BatchCommitter.Handback.Drained.class);
            assertThat(commits.get()).isEqualTo(1);
            long deadline = System.currentTimeMillis() + 5_000;
            while (recorder.total() < BATCH && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            assertThat(recorder.publishes(keys.roomChannel("odd"))).hasSize(1);
            assertThat(recorder.publishes(keys.roomChannel("even"))).hasSize(1);
            assertThat(seqs(recorder.publishes(keys.roomChannel("odd")).getFirst()))
                    .containsExactly(1L, 2L, 3L);
            assertThat(seqs(recorder.publishes(keys.roomChannel("even")).getFirst()))
                    .containsExactly(1L, 2L);
        }
    }

    private List<Long> seqs(List<String> frames) throws Exception {
        List<Long> seqs = new ArrayList<>();
        for (String frame : frames) {
            seqs.add(mapper.readTree(frame).get("seq").asLong());
        }
        return seqs;
    }

    @Test
    void aPartitionStaysInTheLoopWhileItHasEnvelopes() throws Exception {
        fixtures.createRoom("busy", alice);
        List<QueueEnvelope> pushed = push(0, "busy", 2 * BATCH + 2);
        PartitionConsumer consumer = new PartitionConsumer(0, collaborators, ended -> {});

        BatchCommitter.Handback back = committer.consume(consumer, take(0));

        assertThat(back).isInstanceOf(BatchCommitter.Handback.Drained.class);
        assertThat(commits.get()).isEqualTo(3);
        assertThat(queue.inflightLength(0)).isZero();
        assertThat(fixtures.messages("busy"))
                .extracting(row -> Long.toString(row.id()))
                .containsExactlyElementsOf(
                        pushed.stream().map(QueueEnvelope::id).toList());
        assertThat(fixtures.lastSeq("busy")).isEqualTo(2 * BATCH + 2);
    }

    @Test
    void aPartitionWhoseLeaseWasLostComesBackWithoutAcknowledging() throws Exception {
        fixtures.createRoom("taken", alice);
        push(1, "taken", 3);
        PartitionConsumer consumer = new PartitionConsumer(1, collaborators, ended -> {});
        List<String> batch = take(1);
        try (Jedis jedis = redis.getResource()) {
            jedis.set(keys.lease(1), "someone-else");
        }

        BatchCommitter.Handback back = committer.consume(consumer, batch);

        assertThat(back).isInstanceOf(BatchCommitter.Handback.LeaseLost.class);
        assertThat(queue.inflightLength(1)).isEqualTo(3);
        // Stored all the same: its next owner finds the batch stored and publishes it again.
        assertThat(fixtures.messages("taken")).hasSize(3);
    }

    /** Takes the next batch of partition {@code p}, whose lease this worker holds. */
    private List<String> take(int p) {
        return ((Taken.Batch) queue.publishAckAndTake(p, BATCH, 0, List.of())).envelopes();
    }

    /** Pushes {@code count} envelopes for {@code room} onto partition {@code p}'s queue and takes its lease. */
    private List<QueueEnvelope> push(int p, String room, int count) throws Exception {
        List<QueueEnvelope> envelopes = batch(room, count);
        try (Jedis jedis = redis.getResource()) {
            for (QueueEnvelope e : envelopes) {
                jedis.lpush(keys.queue(p), mapper.writeValueAsString(e));
            }
        }
        assertThat(leases.tryAcquire(p)).isTrue();
        return envelopes;
    }

    private List<QueueEnvelope> batch(String room, int count) {
        List<QueueEnvelope> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long id = ids.incrementAndGet();
            batch.add(envelope(id, room, alice, "alice", "m" + id, "c-" + id));
        }
        return batch;
    }

    /** Hands out connections whose commits are counted. */
    private record CountingDataSource(DataSource delegate, AtomicInteger commits) implements DataSource {
        @Override
        public Connection getConnection() throws SQLException {
            Connection real = delegate.getConnection();
            return (Connection) Proxy.newProxyInstance(
                    Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                        if (method.getName().equals("commit")) {
                            commits.incrementAndGet();
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        @Override
        public Connection getConnection(String user, String password) {
            throw new UnsupportedOperationException();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {}

        @Override
        public void setLoginTimeout(int seconds) {}

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() {
            return Logger.getGlobal();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
