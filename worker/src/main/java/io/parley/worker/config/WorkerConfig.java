package io.parley.worker.config;

import static java.util.Objects.requireNonNull;

import io.parley.infra.DatabaseSettings;
import io.parley.infra.Env;
import io.parley.infra.RedisSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Everything a worker process is configured with, read from the environment once in {@code main} and validated here.
 *
 * @param partitions number of queue partitions; must equal the servers' {@code PARLEY_QUEUE_PARTITIONS}
 * @param batchSize  most envelopes stored in one transaction
 * @param leaseMs    lifetime of a partition lease and of a worker heartbeat; renewed well before it runs out
 * @param healthFile touched while the worker loop is healthy, for container health checks; empty when unset
 * @param httpPort   port of {@code /metrics} and {@code /healthz}; 0 for none
 */
public record WorkerConfig(
        DatabaseSettings database,
        RedisSettings redis,
        String workerId,
        int partitions,
        int batchSize,
        int leaseMs,
        boolean migrate,
        Optional<Path> healthFile,
        int httpPort) {
    public static final int DEFAULT_PARTITIONS = 8;
    public static final int DEFAULT_BATCH = 500;
    public static final int DEFAULT_LEASE_MS = 1_500;
    public static final int DEFAULT_HTTP_PORT = 9090;
    public static final int MAX_PARTITIONS = 1024;
    public static final int MAX_BATCH = 5000;
    public static final int MIN_LEASE_MS = 1000;
    public static final int MAX_LEASE_MS = 600_000;
    private static final int MAX_WORKER_ID_LENGTH = 128;

    public WorkerConfig {
        requireNonNull(database, "database");
        requireNonNull(redis, "redis");
        requireNonNull(workerId, "workerId");
        requireNonNull(healthFile, "healthFile");
        if (workerId.isBlank() || workerId.length() > MAX_WORKER_ID_LENGTH) {
            throw new IllegalArgumentException(
                    "PARLEY_WORKER_ID: '" + workerId + "' (expected: 1-" + MAX_WORKER_ID_LENGTH + " characters)");
        }
        checkRange("PARLEY_QUEUE_PARTITIONS", partitions, 1, MAX_PARTITIONS);
        checkRange("PARLEY_WORKER_BATCH", batchSize, 1, MAX_BATCH);
        checkRange("PARLEY_WORKER_LEASE_MS", leaseMs, MIN_LEASE_MS, MAX_LEASE_MS);
        checkRange("PARLEY_WORKER_HTTP_PORT", httpPort, 0, 65535);
    }

    public static WorkerConfig fromEnv(Env env) {
        String healthFile = env.string("PARLEY_WORKER_HEALTH_FILE", null);
        return new WorkerConfig(
                DatabaseSettings.fromEnv(env, 4),
                RedisSettings.fromEnv(env),
                env.string("PARLEY_WORKER_ID", defaultWorkerId(env)),
                env.integer("PARLEY_QUEUE_PARTITIONS", DEFAULT_PARTITIONS, 1, MAX_PARTITIONS),
                env.integer("PARLEY_WORKER_BATCH", DEFAULT_BATCH, 1, MAX_BATCH),
                env.integer("PARLEY_WORKER_LEASE_MS", DEFAULT_LEASE_MS, MIN_LEASE_MS, MAX_LEASE_MS),
                env.bool("PARLEY_MIGRATE", true),
                Optional.ofNullable(healthFile).map(Path::of),
                env.integer("PARLEY_WORKER_HTTP_PORT", DEFAULT_HTTP_PORT, 0, 65535));
    }

    /** Host name plus pid: unique per process, and readable in logs and in the lease values. */
    private static String defaultWorkerId(Env env) {
        String host = env.string("HOSTNAME", null);
        if (host == null) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "worker";
            }
        }
        return host + "-" + ProcessHandle.current().pid();
    }

    private static void checkRange(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + "-" + max + ")");
        }
    }
}
