package io.parley.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import io.parley.infra.Databases;
import io.parley.infra.RedisClient;
import io.parley.infra.Retry;
import io.parley.protocol.RedisKeys;
import io.parley.server.auth.LoginThrottle;
import io.parley.server.bus.EventPublisher;
import io.parley.server.bus.QueueProducer;
import io.parley.server.bus.RedisBatcher;
import io.parley.server.bus.RedisSubscriber;
import io.parley.server.bus.ShardedSubscriber;
import io.parley.server.bus.Subscriber;
import io.parley.server.chat.PresenceService;
import io.parley.server.config.ServerConfig;
import io.parley.server.moderation.RedisClusterView;
import java.time.Duration;
import java.util.List;

/**
 * The scale-out parts of a replica: MySQL, and Redis (one server, or a Redis Cluster with sharded pub/sub) for the
 * queue, pub/sub, presence, throttle and node numbers.
 */
final class RedisParts {
    private RedisParts() {}

    static ServerParts open(ServerConfig config, RedisKeys keys, ObjectMapper mapper) throws InterruptedException {
        HikariDataSource dataSource = Databases.open(config.database(), "parley-server");
        RedisClient redis = RedisClient.open(config.redis(), config.blockingThreads() + 4, Duration.ofSeconds(5));
        long node = Retry.startUp(
                "get a node number from Redis", () -> redis.jedis().incr(keys.nodeCounter()) % 1024);
        RedisBatcher batcher = new RedisBatcher(
                redis,
                100_000,
                "parley-redis-writer",
                config.redis().waitReplicas(),
                config.redis().waitTimeoutMs());
        Subscriber subscriber = redis.isCluster()
                ? new ShardedSubscriber(redis)
                : new RedisSubscriber(config.redis(), keys.serverChannel(config.serverId()));
        RedisClusterView view = new RedisClusterView(redis, keys, config.queuePartitions());
        return new ServerParts(
                dataSource,
                node,
                new QueueProducer(batcher, keys, mapper, config.queuePartitions(), config.queueMaxDepth()),
                new EventPublisher(batcher, redis.isCluster()),
                subscriber,
                new LoginThrottle(redis, keys, config.loginAttemptsPerMinute()),
                (events, rooms, codec, localUsers) ->
                        new PresenceService(redis, keys, config.serverId(), events, rooms, codec, localUsers),
                () -> redis.ping(keys.nodeCounter()),
                metrics -> {
                    metrics.gauge(
                            "parley_redis_commands_pending", "Redis commands waiting to be sent", batcher::pending);
                    metrics.queueLengths(view::queueLengths);
                },
                view,
                List.of(dataSource, redis, batcher));
    }
}
