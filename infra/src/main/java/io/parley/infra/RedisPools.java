package io.parley.infra;

import java.time.Duration;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPoolConfig;

/** Builds bounded Jedis pools that fail fast when Redis is down instead of queueing callers without limit. */
public final class RedisPools {
    private RedisPools() {}

    public static JedisPool open(RedisSettings settings, int maxConnections, Duration socketTimeout) {
        JedisPoolConfig config = new JedisPoolConfig();
        config.setMaxTotal(maxConnections);
        config.setMaxIdle(maxConnections);
        config.setMinIdle(0);
        config.setMaxWait(Duration.ofSeconds(2));
        config.setTestWhileIdle(true);
        config.setJmxEnabled(false);
        return new JedisPool(config, settings.uri(), 2_000, (int) socketTimeout.toMillis());
    }
}
