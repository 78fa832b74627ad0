package io.parley.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import io.parley.infra.Databases;
import io.parley.infra.RedisPools;
import io.parley.protocol.RedisKeys;
import io.parley.server.auth.LoginThrottle;
import io.parley.server.bus.EventPublisher;
import io.parley.server.bus.QueueProducer;
import io.parley.server.bus.RedisBatcher;
import io.parley.server.bus.RedisSubscriber;
import io.parley.server.chat.PresenceService;
import io.parley.server.config.ServerConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;

/** The scale-out parts of a replica: MySQL, and Redis for the queue, pub/sub, presence, throttle and node numbers. */
final class RedisParts {
    private RedisParts() {
    }

    static ServerParts open(ServerConfig config, RedisKeys keys, ObjectMapper mapper) throws InterruptedException {
        HikariDataSource dataSource = Databases.open(config.database(), "parley-server");
        JedisPool redis = RedisPools.open(config.redis(), config.blockingThreads() + 4, Duration.ofSeconds(5));
        long node = Retry.until("get a node number from Redis", () -> {
            try (Jedis jedis = redis.getResource()) {
                return jedis.incr(keys.nodeCounter()) % 1024;
            }
        });
        RedisBatcher batcher = new RedisBatcher(redis, 100_000, "parley-redis-writer");
        return new ServerParts(dataSource, node,
                new QueueProducer(batcher, keys, mapper, config.queuePartitions(), config.queueMaxDepth()),
                new EventPublisher(batcher),
                new RedisSubscriber(config.redis(), keys.serverChannel(config.serverId())),
                new LoginThrottle(redis, keys, config.loginAttemptsPerMinute()),
                (events, rooms, codec, localUsers) ->
                        new PresenceService(redis, keys, config.serverId(), events, rooms, codec, localUsers),
                () -> ping(redis),
                Map.of("parley_redis_commands_pending", batcher::pending,
                        "parley_queue_depth", () -> queueDepth(redis, keys, config.queuePartitions())),
                List.of(dataSource, redis, batcher));
    }

    private static boolean ping(JedisPool redis) {
        try (Jedis jedis = redis.getResource()) {
            return "PONG".equals(jedis.ping());
        }
    }

    private static long queueDepth(JedisPool redis, RedisKeys keys, int partitions) {
        try (Jedis jedis = redis.getResource()) {
            long depth = 0;
            for (int p = 0; p < partitions; p++) {
                depth += jedis.llen(keys.queue(p));
            }
            return depth;
        }
    }
}
