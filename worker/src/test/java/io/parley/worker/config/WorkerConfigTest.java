package io.parley.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.infra.Env;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerConfigTest {
    @Test
    void hasSafeDefaultsForALocalRun() {
        WorkerConfig config = WorkerConfig.fromEnv(new Env(Map.of("HOSTNAME", "box")));

        assertThat(config.workerId()).isEqualTo("box-" + ProcessHandle.current().pid());
        assertThat(config.partitions()).isEqualTo(8);
        assertThat(config.batchSize()).isEqualTo(500);
        assertThat(config.leaseMs()).isEqualTo(1_500);
        assertThat(config.migrate()).isTrue();
        assertThat(config.healthFile()).isEmpty();
        assertThat(config.database().poolSize()).isEqualTo(4);
        assertThat(config.redis().prefix()).isEqualTo("parley:");
    }

    @Test
    void readsEveryVariable() {
        WorkerConfig config = WorkerConfig.fromEnv(new Env(Map.of(
                "PARLEY_WORKER_ID", "w-7",
                "PARLEY_QUEUE_PARTITIONS", "16",
                "PARLEY_WORKER_BATCH", "50",
                "PARLEY_WORKER_LEASE_MS", "2000",
                "PARLEY_MIGRATE", "false",
                "PARLEY_WORKER_HEALTH_FILE", "/tmp/worker.health",
                "PARLEY_REDIS_URL", "redis://:secret@cache:6380",
                "PARLEY_DB_PASSWORD", "hunter2")));

        assertThat(config.workerId()).isEqualTo("w-7");
        assertThat(config.partitions()).isEqualTo(16);
        assertThat(config.batchSize()).isEqualTo(50);
        assertThat(config.leaseMs()).isEqualTo(2000);
        assertThat(config.migrate()).isFalse();
        assertThat(config.healthFile()).contains(Path.of("/tmp/worker.health"));
        assertThat(config.toString()).doesNotContain("secret").doesNotContain("hunter2");
    }

    @Test
    void rejectsOutOfRangeValuesNamingTheVariable() {
        assertThatThrownBy(() -> WorkerConfig.fromEnv(new Env(Map.of("PARLEY_QUEUE_PARTITIONS", "0"))))
                .hasMessageContaining("PARLEY_QUEUE_PARTITIONS");
        assertThatThrownBy(() -> WorkerConfig.fromEnv(new Env(Map.of("PARLEY_WORKER_BATCH", "100000"))))
                .hasMessageContaining("PARLEY_WORKER_BATCH");
        assertThatThrownBy(() -> WorkerConfig.fromEnv(new Env(Map.of("PARLEY_WORKER_LEASE_MS", "10"))))
                .hasMessageContaining("PARLEY_WORKER_LEASE_MS");
        assertThatThrownBy(() -> WorkerConfig.fromEnv(new Env(Map.of("PARLEY_MIGRATE", "maybe"))))
                .hasMessageContaining("PARLEY_MIGRATE");
    }

    @Test
    void rejectsABlankWorkerId() {
        WorkerConfig valid = WorkerConfig.fromEnv(new Env(Map.of()));
        assertThatThrownBy(() -> new WorkerConfig(
                        valid.database(), valid.redis(), " ", 8, 500, 10_000, true, valid.healthFile(), 0))
                .hasMessageContaining("PARLEY_WORKER_ID");
    }
}
