package io.parley.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.infra.Env;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerConfigTest {
    @Test
    void defaultsSuitLocalRunsWithTheDevelopmentSecret() {
        ServerConfig c = ServerConfig.fromEnv(new Env(Map.of()));
        assertThat(c.httpPort()).isEqualTo(8080);
        assertThat(c.usesDevSecret()).isTrue();
        assertThat(c.database().jdbcUrl()).isEqualTo("jdbc:mysql://127.0.0.1:3306/parley");
        assertThat(c.redis().prefix()).isEqualTo("parley:");
        assertThat(c.queueMaxDepth()).isEqualTo(ServerConfig.DEFAULT_QUEUE_MAX_DEPTH);
        assertThat(c.toString()).doesNotContain(ServerConfig.DEV_SECRET);
    }

    @Test
    void productionRefusesAMissingOrWeakSecret() {
        assertThatThrownBy(() -> ServerConfig.fromEnv(new Env(Map.of("PARLEY_PROFILE", "production"))))
                .hasMessageContaining("PARLEY_JWT_SECRET");
        assertThatThrownBy(() -> ServerConfig.fromEnv(
                        new Env(Map.of("PARLEY_PROFILE", "production", "PARLEY_JWT_SECRET", "short"))))
                .hasMessageContaining("PARLEY_JWT_SECRET");
        ServerConfig ok = ServerConfig.fromEnv(new Env(
                Map.of("PARLEY_PROFILE", "production", "SECRET_KEY", "a-long-enough-secret-from-the-seed-app-env")));
        assertThat(ok.production()).isTrue();
    }

    @Test
    void acceptsTheSeedApplicationsVariableNames() {
        ServerConfig c = ServerConfig.fromEnv(new Env(Map.of(
                "MYSQL_HOST",
                "db",
                "MYSQL_PORT",
                "3307",
                "MYSQL_DATABASE",
                "chat",
                "MYSQL_USER",
                "chat",
                "MYSQL_PASSWORD",
                "pw",
                "CELERY_BROKER_URL",
                "redis://redis:6379/0")));
        assertThat(c.database().jdbcUrl()).isEqualTo("jdbc:mysql://db:3307/chat");
        assertThat(c.database().user()).isEqualTo("chat");
        assertThat(c.redis().uri().getHost()).isEqualTo("redis");
    }

    @Test
    void namesTheVariableAndTheExpectedRangeOnBadValues() {
        assertThatThrownBy(() -> ServerConfig.fromEnv(new Env(Map.of("PARLEY_HTTP_PORT", "70000"))))
                .hasMessage("PARLEY_HTTP_PORT: 70000 (expected: 0-65535)");
        assertThatThrownBy(() -> ServerConfig.fromEnv(new Env(Map.of("PARLEY_QUEUE_MAX_DEPTH", "0"))))
                .hasMessageContaining("PARLEY_QUEUE_MAX_DEPTH");
    }
}
