package io.parley.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;

class RedisSettingsTest {
    @Test
    void aClusterUrlNamesItsSeedsAndCredentials() {
        RedisSettings s = RedisSettings.fromEnv(new Env(Map.of(
                "PARLEY_REDIS_URL", "redis-cluster://app:p%40ss+word@10.0.0.1:7000,redis-b:7001",
                "PARLEY_REDIS_WAIT_REPLICAS", "1",
                "PARLEY_REDIS_WAIT_TIMEOUT_MS", "250")));

        assertThat(s.cluster()).isTrue();
        assertThat(s.seeds()).containsExactly(new HostAndPort("10.0.0.1", 7000), new HostAndPort("redis-b", 7001));
        JedisClientConfig config = s.clientConfig(5_000);
        assertThat(config.getUser()).isEqualTo("app");
        assertThat(config.getPassword()).isEqualTo("p@ss+word");
        assertThat(config.getSocketTimeoutMillis()).isEqualTo(5_000);
        assertThat(s.waitReplicas()).isEqualTo(1);
        assertThat(s.waitTimeoutMs()).isEqualTo(250);
        assertThat(s.toString()).doesNotContain("p%40ss").contains("****");
    }

    @Test
    void onePlainRedisIsNoClusterAndWaitsForNoReplicaByDefault() {
        RedisSettings s = RedisSettings.fromEnv(new Env(Map.of("PARLEY_REDIS_URL", "redis://:secret@redis:6379/2")));

        assertThat(s.cluster()).isFalse();
        assertThat(s.waitReplicas()).isZero();
        assertThat(s.clientConfig(1_000).getPassword()).isEqualTo("secret");
        assertThat(s.clientConfig(1_000).getUser()).isNull();
    }

    @Test
    void refusesUrlsItCannotUse() {
        for (String url : new String[] {
            "http://redis:6379", "redis-cluster://", "redis-cluster://a:1,b", "redis-cluster://a:99999", "redis:///x"
        }) {
            assertThatThrownBy(() -> RedisSettings.fromEnv(new Env(Map.of("PARLEY_REDIS_URL", url))))
                    .as(url)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("PARLEY_REDIS_URL: ");
        }
        assertThatThrownBy(() -> RedisSettings.fromEnv(new Env(Map.of("PARLEY_REDIS_WAIT_REPLICAS", "-1"))))
                .hasMessageStartingWith("PARLEY_REDIS_WAIT_REPLICAS: -1");
    }
}
