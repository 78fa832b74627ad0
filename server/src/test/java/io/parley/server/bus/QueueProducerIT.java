package io.parley.server.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.infra.RedisClient;
import io.parley.infra.RedisSettings;
import io.parley.protocol.Json;
import io.parley.protocol.QueueEnvelope;
import io.parley.protocol.RedisKeys;
import io.parley.testkit.PrivateRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** The queue push runs its script by SHA-1: a Redis that lost its script cache must still take every send once. */
class QueueProducerIT {
    private static final RedisKeys KEYS = new RedisKeys("qp-test:");

    private PrivateRedis redis;
    private RedisClient client;
    private RedisBatcher batcher;
    private QueueProducer producer;

    @BeforeEach
    void start() throws Exception {
        redis = new PrivateRedis();
        client = RedisClient.open(new RedisSettings(redis.uri(), "qp-test:"), 4, Duration.ofSeconds(5));
        batcher = new RedisBatcher(client, 1000, "qp-test-writer");
        producer = new QueueProducer(batcher, KEYS, Json.newMapper(), 1, 1000);
    }

    @AfterEach
    void stop() throws Exception {
        batcher.close();
        client.close();
        redis.close();
    }

    @Test
    void pushesInOrderAndAnswersARetriedClientMsgIdWithItsFirstIdAfterTheScriptCacheWasEmptied() throws Exception {
        assertThat(push(envelope("1", null))).isEqualTo("1");
        assertThat(push(envelope("2", "c-2"))).isEqualTo("2");
        flushScripts();
        assertThat(push(envelope("3", null))).isEqualTo("3");
        flushScripts();
        // A retry of c-2 under a new id: answered with the first id and not queued again.
        assertThat(push(envelope("4", "c-2"))).isEqualTo("2");
        assertThat(push(envelope("5", "c-5"))).isEqualTo("5");
        try (Jedis jedis = new Jedis(redis.uri())) {
            assertThat(jedis.lrange(KEYS.queue(0), 0, -1).reversed())
                    .extracting(json -> Json.newMapper()
                            .readValue(json, QueueEnvelope.class)
                            .id())
                    .containsExactly("1", "2", "3", "5");
        }
    }

    @Test
    void sendsMeetingInAPipelineShareAScriptCallKeepTheirOrderAndEachGetsItsOwnAnswer() throws Exception {
        int sends = 500;
        List<CompletableFuture<String>> answers = new ArrayList<>();
        List<String> queued = new ArrayList<>();
        for (int i = 1; i <= sends; i++) {
            // Every 50th send retries one clientMsgId: only its first is queued, the others get the first's id.
            String clientMsgId = i % 50 == 0 ? "c-again" : "c-" + i;
            if (i % 50 != 0 || i == 50) {
                queued.add(Integer.toString(i));
            }
            CompletableFuture<String> answer = new CompletableFuture<>();
            producer.enqueue(envelope(Integer.toString(i), clientMsgId), (id, failure) -> {
                if (failure != null) {
                    answer.completeExceptionally(failure);
                } else {
                    answer.complete(id);
                }
            });
            answers.add(answer);
        }
        for (int i = 1; i <= sends; i++) {
            assertThat(answers.get(i - 1).get(10, TimeUnit.SECONDS))
                    .isEqualTo(i % 50 == 0 ? "50" : Integer.toString(i));
        }
        try (Jedis jedis = new Jedis(redis.uri())) {
            assertThat(jedis.lrange(KEYS.queue(0), 0, -1).reversed())
                    .extracting(json -> Json.newMapper()
                            .readValue(json, QueueEnvelope.class)
                            .id())
                    .containsExactlyElementsOf(queued);
            Matcher calls = Pattern.compile("cmdstat_evalsha:calls=(\\d+)").matcher(jedis.info("commandstats"));
            assertThat(calls.find()).isTrue();
            // Submitted faster than one pipeline's round trip: most of them shared a call with others.
            assertThat(Long.parseLong(calls.group(1))).isLessThan(sends / 2);
        }
    }

    @Test
    void refusesASendWhenThePartitionIsFull() throws Exception {
        QueueProducer small = new QueueProducer(batcher, KEYS, Json.newMapper(), 1, 1);
        assertThat(push(small, envelope("1", null))).isEqualTo("1");
        CompletableFuture<String> refused = new CompletableFuture<>();
        small.enqueue(envelope("2", "c-2"), (id, failure) -> refused.complete(failure == null ? id : "refused"));
        assertThat(refused.get(10, TimeUnit.SECONDS)).isEqualTo("refused");
    }

    private void flushScripts() {
        try (Jedis jedis = new Jedis(redis.uri())) {
            jedis.scriptFlush();
        }
    }

    private String push(QueueEnvelope envelope) throws Exception {
        return push(producer, envelope);
    }

    private static String push(QueueProducer producer, QueueEnvelope envelope) throws Exception {
        CompletableFuture<String> answer = new CompletableFuture<>();
        producer.enqueue(envelope, (id, failure) -> {
            if (failure != null) {
                answer.completeExceptionally(failure);
            } else {
                answer.complete(id);
            }
        });
        return answer.get(10, TimeUnit.SECONDS);
    }

    private static QueueEnvelope envelope(String id, String clientMsgId) {
        return new QueueEnvelope(id, "room", "7", "alice", "body " + id, clientMsgId, 1_700_000_000_000L);
    }
}
