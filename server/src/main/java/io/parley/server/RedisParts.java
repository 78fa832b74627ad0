package io.parley.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import io.parley.infra.Databases;
import io.parley.infra.RedisPools;
import io.parley.infra.Retry;
import io.parley.protocol.RedisKeys;
import io.parley.server.auth.LoginThrottle;
import io.parley.server.bus.EventPublisher;
import io.parley.server.bus.QueueProducer;
import io.parley.server.bus.RedisBatcher;
import io.parley.server.bus.RedisSubscriber;
import io.parley.server.chat.PresenceService;
import io.parley.server.config.ServerConfig;
import io.parley.server.metrics.Metrics;
import io.parley.server.moderation.RedisClusterView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/** The scale-out parts of a replica: MySQL, and Redis for the queue, pub/sub, presence, throttle and node numbers. */
final class RedisParts {
    private RedisParts() {}

    static ServerParts open(ServerConfig config, RedisKeys keys, ObjectMapper mapper) throws InterruptedException {
        HikariDataSource dataSource = Databases.open(config.database(), "parley-server");
        JedisPool redis = RedisPools.open(config.redis(), config.blockingThreads() + 4, Duration.ofSeconds(5));
        long node = Retry.startUp("get a node number from Redis", () -> {
            try (Jedis jedis = redis.getResource()) {
                return jedis.incr(keys.nodeCounter()) % 1024;
            }
        });
        RedisBatcher batcher = new RedisBatcher(redis, 100_000, "parley-redis-writer");
        return new ServerParts(
                dataSource,
                node,
                new QueueProducer(batcher, keys, mapper, config.queuePartitions(), config.queueMaxDepth()),
                new EventPublisher(batcher),
                new RedisSubscriber(config.redis(), keys.serverChannel(config.serverId())),
                new LoginThrottle(redis, keys, config.loginAttemptsPerMinute()),
                (events, rooms, codec, localUsers) ->
                        new PresenceService(redis, keys, config.serverId(), events, rooms, codec, localUsers),
                () -> ping(redis),
                metrics -> {
                    metrics.gauge(
                            "parley_redis_commands_pending", "Redis commands waiting to be sent", batcher::pending);
                    metrics.queueLengths(() -> queueLengths(redis, keys, config.queuePartitions()));
                },
                new RedisClusterView(redis, keys, config.queuePartitions()),
                List.of(dataSource, redis, batcher));
    }

    private static boolean ping(JedisPool redis) {
        try (Jedis jedis = redis.getResource()) {
            return "PONG".equals(jedis.ping());
        }
    }

    private static Metrics.QueueLengths queueLengths(JedisPool redis, RedisKeys keys, int partitions) {
        try (Jedis jedis = redis.getResource()) {
            Pipeline pipeline = jedis.pipelined();
            List<Response<Long>> queued = new ArrayList<>(partitions);
            List<Response<Long>> inflight = new ArrayList<>(partitions);
            for (int p = 0; p < partitions; p++) {
                queued.add(pipeline.llen(keys.queue(p)));
                inflight.add(pipeline.llen(keys.inflight(p)));
            }
            pipeline.sync();
            return new Metrics.QueueLengths(
                    queued.stream().mapToLong(Response::get).toArray(),
                    inflight.stream().mapToLong(Response::get).toArray());
        }
    }
}
