package io.parley.worker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.infra.TestServices;
import io.parley.protocol.RedisKeys;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;

class PartitionQueueIT {
    private static final int P = 3;

    private JedisPool pool;
    private RedisKeys keys;
    private PartitionLeases mine;
    private PartitionLeases theirs;
    private PartitionQueue queue;

    @BeforeEach
    void setUp() {
        TestServices.Isolated services = TestServices.isolated();
        pool = new JedisPool(services.redis().uri());
        keys = new RedisKeys(services.redis().prefix());
        mine = new PartitionLeases(pool, keys, "me", 5_000);
        theirs = new PartitionLeases(pool, keys, "them", 5_000);
        queue = new PartitionQueue(pool, keys, "me");
    }

    @AfterEach
    void tearDown() {
        try (Jedis jedis = pool.getResource()) {
            jedis.del(keys.queue(P), keys.inflight(P), keys.lease(P), keys.workers());
        }
        pool.close();
    }

    @Test
    void takesLeftoversBeforeNewEnvelopesOldestFirstAndAckTrimsExactlyTheBatch() {
        try (Jedis jedis = pool.getResource()) {
            jedis.lpush(keys.inflight(P), "left-1", "left-2");
            jedis.lpush(keys.queue(P), "new-1", "new-2", "new-3");
        }
        assertThat(mine.tryAcquire(P)).isTrue();

        assertThat(queue.take(P, 3)).containsExactly("left-1", "left-2", "new-1");
        assertThat(queue.ack(P, 3)).isTrue();
        assertThat(queue.take(P, 10)).containsExactly("new-2", "new-3");
        assertThat(queue.ack(P, 2)).isTrue();
        assertThat(queue.take(P, 10)).isEmpty();
        try (Jedis jedis = pool.getResource()) {
            assertThat(jedis.exists(keys.inflight(P), keys.queue(P))).isZero();
        }
    }

    @Test
    void neitherTakesNorAcknowledgesWithoutTheLease() {
        try (Jedis jedis = pool.getResource()) {
            jedis.lpush(keys.inflight(P), "theirs");
            jedis.lpush(keys.queue(P), "queued");
        }
        assertThat(theirs.tryAcquire(P)).isTrue();
        assertThat(mine.tryAcquire(P)).isFalse();

        assertThat(queue.take(P, 10)).isNull();
        assertThat(queue.ack(P, 1)).isFalse();
        try (Jedis jedis = pool.getResource()) {
            assertThat(jedis.lrange(keys.inflight(P), 0, -1)).containsExactly("theirs");
            assertThat(jedis.lrange(keys.queue(P), 0, -1)).containsExactly("queued");
        }
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
        assertThat(queue.take(P, 10)).containsExactly("first", "second");
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
