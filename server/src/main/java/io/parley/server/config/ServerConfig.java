package io.parley.server.config;

import io.parley.infra.DatabaseSettings;
import io.parley.infra.Env;
import io.parley.infra.RedisSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/** Everything a server replica is configured with, read once from the environment and validated here. */
public record ServerConfig(
        int httpPort,
        String serverId,
        boolean production,
        String jwtSecret,
        Duration tokenTtl,
        Set<String> allowedOrigins,
        int queuePartitions,
        int queueMaxDepth,
        int ratePerSecond,
        int rateBurst,
        int loginAttemptsPerMinute,
        int bcryptCost,
        boolean migrate,
        int blockingThreads,
        int eventLoopThreads,
        boolean trustProxyHeaders,
        int pingIntervalSeconds,
        int idleTimeoutSeconds,
        int maxConnectionsPerUser,
        int maxRoomsPerUser,
        DatabaseSettings database,
        RedisSettings redis) {

    /**
     * Envelopes one queue partition may hold before sends are refused ({@code unavailable}): with 8 partitions about
     * 400,000 messages, ~150 MB of Redis memory, nearly a minute of database outage at 8,000 messages/s.
     */
    public static final int DEFAULT_QUEUE_MAX_DEPTH = 50_000;

    /** Development secret: known to everyone, so production refuses it. */
    public static final String DEV_SECRET = "parley-development-secret-do-not-use-in-production";

    public ServerConfig {
        Objects.requireNonNull(serverId, "serverId");
        Objects.requireNonNull(jwtSecret, "jwtSecret");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(redis, "redis");
        allowedOrigins = Set.copyOf(allowedOrigins);
        if (httpPort < 0 || httpPort > 65535) {
            throw new IllegalArgumentException("PARLEY_HTTP_PORT: " + httpPort + " (expected: 0-65535)");
        }
        if (pingIntervalSeconds >= idleTimeoutSeconds) {
            throw new IllegalArgumentException("PARLEY_PING_INTERVAL_SECONDS: " + pingIntervalSeconds
                    + " (expected: less than PARLEY_IDLE_TIMEOUT_SECONDS, " + idleTimeoutSeconds + ")");
        }
        if (production && (jwtSecret.equals(DEV_SECRET) || jwtSecret.getBytes(StandardCharsets.UTF_8).length < 32)) {
            throw new IllegalArgumentException(
                    "PARLEY_JWT_SECRET: missing, default or shorter than 32 bytes (required in the production profile)");
        }
    }

    public static ServerConfig fromEnv(Env env) {
        String profile = env.string("PARLEY_PROFILE", "dev");
        if (!profile.equals("dev") && !profile.equals("production")) {
            throw new IllegalArgumentException("PARLEY_PROFILE: " + profile + " (expected: dev or production)");
        }
        int cores = Runtime.getRuntime().availableProcessors();
        return new ServerConfig(
                env.integer("PARLEY_HTTP_PORT", 8080, 0, 65535),
                env.string("PARLEY_SERVER_ID", hostname()),
                profile.equals("production"),
                env.first(DEV_SECRET, "PARLEY_JWT_SECRET", "SECRET_KEY"),
                Duration.ofSeconds(env.integer("PARLEY_TOKEN_TTL_SECONDS", 24 * 3600, 10, 30 * 24 * 3600)),
                Arrays.stream(env.string("PARLEY_ALLOWED_ORIGINS", "").split(","))
                        .map(String::trim)
                        .filter(s -> !s.isEmpty())
                        .collect(Collectors.toSet()),
                env.integer("PARLEY_QUEUE_PARTITIONS", 8, 1, 1024),
                env.integer("PARLEY_QUEUE_MAX_DEPTH", DEFAULT_QUEUE_MAX_DEPTH, 1, 100_000_000),
                env.integer("PARLEY_RATE_PER_SEC", 20, 1, 1_000_000),
                env.integer("PARLEY_RATE_BURST", 40, 1, 1_000_000),
                env.integer("PARLEY_LOGIN_RATE_LIMIT", 10, 1, 1_000_000),
                env.integer("PARLEY_BCRYPT_COST", 10, 4, 16),
                env.bool("PARLEY_MIGRATE", true),
                env.integer("PARLEY_BLOCKING_THREADS", Math.max(8, cores * 4), 1, 512),
                env.integer("PARLEY_EVENT_LOOP_THREADS", cores, 1, 256),
                env.bool("PARLEY_TRUST_PROXY_HEADERS", false),
                env.integer("PARLEY_PING_INTERVAL_SECONDS", 25, 1, 3600),
                env.integer("PARLEY_IDLE_TIMEOUT_SECONDS", 60, 1, 3600),
                env.integer("PARLEY_MAX_CONNECTIONS_PER_USER", 20, 1, 100_000),
                env.integer("PARLEY_MAX_ROOMS_PER_USER", 1000, 1, 1_000_000),
                DatabaseSettings.fromEnv(env, Math.max(8, cores * 4)),
                RedisSettings.fromEnv(env));
    }

    public boolean usesDevSecret() {
        return jwtSecret.equals(DEV_SECRET);
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "parley-" + ProcessHandle.current().pid();
        }
    }

    @Override
    public String toString() {
        return "ServerConfig[httpPort=" + httpPort + ", serverId=" + serverId + ", production=" + production
                + ", jwtSecret=****, tokenTtl=" + tokenTtl + ", allowedOrigins=" + allowedOrigins
                + ", queuePartitions=" + queuePartitions + ", queueMaxDepth=" + queueMaxDepth + ", rate="
                + ratePerSecond + "/s burst " + rateBurst
                + ", loginAttemptsPerMinute=" + loginAttemptsPerMinute + ", bcryptCost=" + bcryptCost
                + ", migrate=" + migrate + ", blockingThreads=" + blockingThreads + ", eventLoopThreads="
                + eventLoopThreads + ", trustProxyHeaders=" + trustProxyHeaders
                + ", ping/idle=" + pingIntervalSeconds + "/" + idleTimeoutSeconds + "s, maxConnectionsPerUser="
                + maxConnectionsPerUser + ", maxRoomsPerUser=" + maxRoomsPerUser + ", " + database + ", " + redis + "]";
    }
}
