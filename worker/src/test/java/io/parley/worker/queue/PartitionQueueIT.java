package io.parley.worker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.infra.RedisClient;
import io.parley.infra.TestServices;
import io.parley.protocol.RedisKeys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPubSub;

class PartitionQueueIT {
    private static final int P = 3;

    private JedisPool pool;
    private RedisClient client;
    private RedisKeys keys;
    private PartitionLeases mine;
    private PartitionLeases theirs;
    private PartitionQueue queue;

    @BeforeEach
    void setUp() {
        TestServices.Isolated services = TestServices.isolated();
        pool = new JedisPool(services.redis().uri());
        client = RedisClient.open(services.redis(), 4, Duration.ofSeconds(5));
        keys = new RedisKeys(services.redis().prefix());
        mine = new PartitionLeases(client, keys, "me", 5_000);
        theirs = new PartitionLeases(client, keys, "them", 5_000);
        queue = new PartitionQueue(client, keys, "me");
    }

    @AfterEach
    void tearDown() {
        try (Jedis jedis = pool.getResource()) {
            jedis.del(keys.queue(P), keys.inflight(P), keys.lease(P), keys.workers());
        }
        pool.close();
        client.close();
    }

    @Test
    void aRetriedAcknowledgementWhoseReplyWasLostTrimsNothingMore() {
        try (Jedis jedis = pool.getResource()) {
            jedis.lpush(keys.queue(P), "a", "b", "c", "d");
        }
        assertThat(mine.tryAcquire(P)).isTrue();
        assertThat(take(P, 2)).isEqualTo(batch("a", "b"));
        // The acknowledgement ran, but say its reply was lost: the retry must not trim c and d.
        assertThat(queue.publishAckAndTake(P, 0, 2, List.of())).isEqualTo(batch());
        assertThat(queue.publishAckAndTake(P, 0, 2, List.of())).isEqualTo(batch());
        assertThat(ack(P, 2)).isEqualTo(batch());
        try (Jedis jedis = pool.getResource()) {
            assertThat(jedis.llen(keys.inflight(P)) + jedis.llen(keys.queue(P))).isEqualTo(2);
        }
        assertThat(take(P, 10)).isEqualTo(batch("c", "d"));
    }

    @Test
    void takesLeftoversBeforeNewEnvelopesOldestFirstAndAckTrimsExactlyTheBatch() {
        try (Jedis jedis = pool.getResource()) {
            jedis.lpush(keys.inflight(P), "left-1", "left-2");
            jedis.lpush(keys.queue(P), "new-1", "new-2", "new-3");
        }
        assertThat(mine.tryAcquire(P)).isTrue();

        assertThat(take(P, 3)).isEqualTo(batch("left-1", "left-2", "new-1"));
        assertThat(ack(P, 3)).isEqualTo(batch());
        assertThat(take(P, 10)).isEqualTo(batch("new-2", "new-3"));
        assertThat(ack(P, 2)).isEqualTo(batch());
        assertThat(take(P, 10)).isEqualTo(batch());
        try (Jedis jedis = pool.getResource()) {
            assertThat(jedis.exists(keys.inflight(P), keys.queue(P))).isZero();
        }
    }

    @Test
    void movesAWholeRangeInQueueOrderAndLeavesTheRestQueued() {
        // More than the script pushes per command (1,000), so the range crosses its chunks.
        List<String> all = java.util.stream.IntStream.range(0, 2_500)
                .mapToObj(i -> "e-" + i)
                .toList();
        try (Jedis jedis = pool.getResource()) {
            jedis.lpush(keys.inflight(P), "left");
            jedis.lpush(keys.queue(P), all.toArray(String[]::new));
        }
        assertThat(mine.tryAcquire(P)).isTrue();

        List<String> first = new java.util.ArrayList<>(List.of("left"));
        first.addAll(all.subList(0, 2_199));
        assertThat(take(P, 2_200)).isEqualTo(new Taken.Batch(first));
        try (Jedis jedis = pool.getResource()) {
            assertThat(jedis.llen(keys.inflight(P))).isEqualTo(2_200);
            assertThat(jedis.llen(keys.queue(P))).isEqualTo(301);
        }
        assertThat(ack(P, 2_200)).isEqualTo(batch());
        assertThat(take(P, 5_000)).isEqualTo(new Taken.Batch(all.subList(2_199, 2_500)));
    }

    @Test
    void neitherTakesNorAcknowledgesWithoutTheLease() {
        try (Jedis jedis = pool.getResource()) {
            jedis.lpush(keys.inflight(P), "theirs");
            jedis.lpush(keys.queue(P), "queued");
        }
        assertThat(theirs.tryAcquire(P)).isTrue();
        assertThat(mine.tryAcquire(P)).isFalse();

        assertThat(take(P, 10)).isInstanceOf(Taken.NotOurLease.class);
        assertThat(ack(P, 1)).isInstanceOf(Taken.NotOurLease.class);
        try (Jedis jedis = pool.getResource()) {
            assertThat(jedis.lrange(keys.inflight(P), 0, -1)).containsExactly("theirs");
            assertThat(jedis.lrange(keys.queue(P), 0, -1)).containsExactly("queued");
        }
    }

    @Test
    void oneTakePublishesAndAcknowledgesThePreviousBatchBeforeTakingTheNext() throws Exception {
        try (Jedis jedis = pool.getResource()) {
            jedis.lpush(keys.queue(P), "a", "b", "c");
        }
        assertThat(mine.tryAcquire(P)).isTrue();
        List<String> received = new CopyOnWriteArrayList<>();
        CountDownLatch subscribed = new CountDownLatch(1);
        JedisPubSub pubSub = new JedisPubSub() {
            @Override
            public void onMessage(String channel, String message) {
                received.add(channel + "=" + message);
            }

            @Override
            public void onSubscribe(String channel, int count) {
                subscribed.countDown();
            }
        };
        Thread subscriber = new Thread(() -> {
            try (Jedis jedis = pool.getResource()) {
                jedis.subscribe(pubSub, "ch-1", "ch-2");
            }
        });
        subscriber.start();
        assertThat(subscribed.await(5, TimeUnit.SECONDS)).isTrue();

        assertThat(queue.publishAckAndTake(P, 2, 0, List.of())).isEqualTo(batch("a", "b"));
        assertThat(queue.publishAckAndTake(P, 2, 2, frames("ch-1", "a!", "ch-2", "b!")))
                .isEqualTo(batch("c"));
        assertThat(queue.inflightLength(P)).isEqualTo(1);
        // Only publishing and acknowledging: the lease holder's last batch on its way out.
        assertThat(queue.publishAckAndTake(P, 0, 1, frames("ch-1", "c!"))).isEqualTo(batch());
        assertThat(queue.inflightLength(P)).isZero();
        // Without the lease nothing is acknowledged, but stored messages are still published.
        try (Jedis jedis = pool.getResource()) {
            jedis.lpush(keys.inflight(P), "theirs");
            jedis.set(keys.lease(P), "them");
        }
        assertThat(queue.publishAckAndTake(P, 10, 1, frames("ch-2", "late!"))).isInstanceOf(Taken.NotOurLease.class);
        assertThat(queue.inflightLength(P)).isEqualTo(1);

        long deadline = System.currentTimeMillis() + 5_000;
        while (received.size() < 4 && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        pubSub.unsubscribe();
        subscriber.join(5_000);
        assertThat(received).containsExactly("ch-1=a!", "ch-2=b!", "ch-1=c!", "ch-2=late!");
    }

    private Taken take(int partition, int max) {
        return queue.publishAckAndTake(partition, max, 0, List.of());
    }

    private Taken ack(int partition, int count) {
        return queue.publishAckAndTake(partition, 0, count, List.of());
    }

    private static Taken batch(String... envelopes) {
        return new Taken.Batch(List.of(envelopes));
    }

    private static List<byte[]> frames(String... channelsAndFrames) {
        return Arrays.stream(channelsAndFrames)
                .map(s -> s.getBytes(StandardCharsets.UTF_8))
                .toList();
    }

    @Test
    void awaitingMovesTheOldestEnvelopeWhereTheNextTakeFindsIt() {
        try (Jedis jedis = pool.getResource()) {
            jedis.lpush(keys.queue(P), "first", "second");
        }
        assertThat(mine.tryAcquire(P)).isTrue();

        queue.awaitEnvelope(P, Duration.ofSeconds(1));

        try (Jedis jedis = pool.getResource()) {
            assertThat(jedis.lrange(keys.inflight(P), 0, -1)).containsExactly("first");
        }
        assertThat(take(P, 10)).isEqualTo(batch("first", "second"));
    }

    @Test
    void onlyTheOwnerRenewsOrReleasesALease() {
        assertThat(theirs.tryAcquire(P)).isTrue();

        assertThat(mine.renew(List.of(P))).containsExactly(P);
        assertThat(mine.release(P)).isFalse();
        assertThat(theirs.renew(List.of(P))).isEmpty();
        assertThat(theirs.release(P)).isTrue();
        assertThat(mine.free(P + 1)).contains(P);
        assertThat(mine.tryAcquire(P)).isTrue();
    }

    @Test
    void heartbeatsCountLiveWorkersAndLeavingRemovesOne() {
        assertThat(mine.heartbeat()).isEqualTo(1);
        assertThat(theirs.heartbeat()).isEqualTo(2);

        theirs.leave();

        assertThat(mine.heartbeat()).isEqualTo(1);
    }
}
