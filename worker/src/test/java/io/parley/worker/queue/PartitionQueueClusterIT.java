package io.parley.worker.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.infra.RedisClient;
import io.parley.infra.RedisSettings;
import io.parley.protocol.RedisKeys;
import io.parley.testkit.PrivateRedisCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * {@link PartitionQueue} on a real Redis Cluster when one node dies between two rounds: a round's pipeline spans the
 * nodes of its partitions, so a partition on a live node has its step run while the round as a whole fails.
 */
class PartitionQueueClusterIT {
    private static final int PARTITIONS = 8;

    @Test
    void aRoundThatFailsOnAnotherNodeLeavesTheBatchItTookToTheRetry() throws Exception {
        String prefix = "pq-" + System.nanoTime() + ":";
        try (PrivateRedisCluster cluster = PrivateRedisCluster.start();
                RedisClient client =
                        RedisClient.open(new RedisSettings(cluster.uri(), prefix), 4, Duration.ofSeconds(5))) {
            RedisKeys keys = new RedisKeys(prefix, true);
            // Two partitions on two different masters: the round runs "live" first, then "doomed".
            Map<Integer, Integer> partitionByMaster = new TreeMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitionByMaster.putIfAbsent(cluster.masterOf(keys.queue(p)), p);
            }
            assertThat(partitionByMaster).as("partitions spread over masters").hasSizeGreaterThan(1);
            List<Map.Entry<Integer, Integer>> two =
                    partitionByMaster.entrySet().stream().limit(2).toList();
            int live = two.get(0).getValue();
            int doomed = two.get(1).getValue();
            int doomedMaster = two.get(1).getKey();

            PartitionLeases leases = new PartitionLeases(client, keys, "me", 60_000);
            PartitionQueue queue = new PartitionQueue(client, keys, "me");
            assertThat(leases.tryAcquire(live)).isTrue();
            assertThat(leases.tryAcquire(doomed)).isTrue();
            client.jedis().lpush(keys.queue(live), "a1", "a2");
            assertThat(queue.publishAckAndTake(live, 10, 0, List.of())).isEqualTo(batch("a1", "a2"));
            client.jedis().lpush(keys.queue(live), "a3", "a4");

            // The round that acknowledges a1 and a2 (stored) runs on the live node, taking a3 and a4, and fails on
            // the dead one: the caller gets no answer for either partition.
            cluster.kill(doomedMaster);
            List<WorkQueue.Step> round =
                    List.of(new WorkQueue.Step(live, 10, 2, List.of()), new WorkQueue.Step(doomed, 10, 0, List.of()));
            assertThatThrownBy(() -> queue.publishAckAndTakeAll(round)).isInstanceOf(JedisConnectionException.class);

            // So it retries its acknowledgement of a1 and a2: that must neither trim a3 and a4, which nobody stored,
            // nor hide them; the retry takes them.
            assertThat(queue.publishAckAndTake(live, 10, 2, List.of())).isEqualTo(batch("a3", "a4"));
            assertThat(client.jedis().llen(keys.inflight(live))).isEqualTo(2);
            assertThat(queue.publishAckAndTake(live, 10, 2, List.of())).isEqualTo(batch());
            assertThat(client.jedis().llen(keys.inflight(live))).isZero();
        }
    }

    private static Taken batch(String... envelopes) {
        return new Taken.Batch(List.of(envelopes));
    }
}
