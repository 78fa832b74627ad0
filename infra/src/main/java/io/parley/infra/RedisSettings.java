package io.parley.infra;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;

/**
 * Where Redis is, the prefix of every key and channel, and how many replicas must confirm a queued message before it
 * is acknowledged. The URL is {@code PARLEY_REDIS_URL}, else the seed application's {@code REDIS_URL} or {@code
 * CELERY_BROKER_URL}: {@code redis://[[user]:password@]host:port[/db]} for one server, {@code
 * redis-cluster://[[user]:password@]host:port,host:port,...} for a Redis Cluster reached through any of those seeds.
 *
 * @param waitReplicas {@code PARLEY_REDIS_WAIT_REPLICAS}: replicas that must have a push (Redis {@code WAIT}) before
 *     the send is acknowledged; 0 acknowledges once the master has it
 * @param waitTimeoutMs {@code PARLEY_REDIS_WAIT_TIMEOUT_MS}: how long a push waits for them before it is answered
 *     {@code unavailable}
 */
public record RedisSettings(URI uri, String prefix, int waitReplicas, int waitTimeoutMs) {
    public static final String CLUSTER_SCHEME = "redis-cluster";

    public RedisSettings {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(prefix, "prefix");
        boolean valid = "redis".equals(uri.getScheme())
                ? uri.getHost() != null
                : CLUSTER_SCHEME.equals(uri.getScheme()) && seedsOf(uri) != null;
        if (!valid) {
            throw new IllegalArgumentException("PARLEY_REDIS_URL: " + redact(uri)
                    + " (expected: redis://host:port or redis-cluster://host:port,host:port,...)");
        }
        if (waitReplicas < 0 || waitTimeoutMs < 1) {
            throw new IllegalArgumentException(
                    "waitReplicas: " + waitReplicas + ", waitTimeoutMs: " + waitTimeoutMs + " (expected: >= 0, >= 1)");
        }
    }

    /** One Redis (or cluster) without waiting for replicas. */
    public RedisSettings(URI uri, String prefix) {
        this(uri, prefix, 0, 1_000);
    }

    public static RedisSettings fromEnv(Env env) {
        String url = env.first("redis://127.0.0.1:6379", "PARLEY_REDIS_URL", "REDIS_URL", "CELERY_BROKER_URL");
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "PARLEY_REDIS_URL: not a URL (" + e.getMessage().replace(url, "…")
                            + "; expected: redis://host:port or redis-cluster://host:port,host:port,...)");
        }
        return new RedisSettings(
                uri,
                env.string("PARLEY_REDIS_PREFIX", "parley:"),
                env.integer("PARLEY_REDIS_WAIT_REPLICAS", 0, 0, 16),
                env.integer("PARLEY_REDIS_WAIT_TIMEOUT_MS", 1_000, 1, 60_000));
    }

    /** True for a {@code redis-cluster://} URL. */
    public boolean cluster() {
        return CLUSTER_SCHEME.equals(uri.getScheme());
    }

    /** The cluster's seed nodes, as given in the URL. */
    public List<HostAndPort> seeds() {
        return seedsOf(uri);
    }

    /** Timeouts and credentials for connections to any node of a cluster. */
    public JedisClientConfig clientConfig(int socketTimeoutMs) {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(2_000)
                .socketTimeoutMillis(socketTimeoutMs);
        String userInfo = userInfo(uri);
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            String user = colon < 0 ? null : decode(userInfo.substring(0, colon));
            String password = decode(colon < 0 ? userInfo : userInfo.substring(colon + 1));
            config.user(user == null || user.isEmpty() ? null : user).password(password);
        }
        return config.build();
    }

    // java.net.URI cannot parse an authority with several hosts, so a cluster URL's authority is split here.
    private static List<HostAndPort> seedsOf(URI uri) {
        String authority = uri.getRawAuthority();
        if (authority == null) {
            return null;
        }
        List<HostAndPort> seeds = new ArrayList<>();
        for (String seed : authority.substring(authority.lastIndexOf('@') + 1).split(",")) {
            int colon = seed.lastIndexOf(':');
            if (colon <= 0) {
                return null;
            }
            try {
                int port = Integer.parseInt(seed.substring(colon + 1));
                if (port < 1 || port > 65_535) {
                    return null;
                }
                seeds.add(new HostAndPort(seed.substring(0, colon), port));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return seeds.isEmpty() ? null : List.copyOf(seeds);
    }

    private static String userInfo(URI uri) {
        String authority = uri.getRawAuthority();
        int at = authority == null ? -1 : authority.lastIndexOf('@');
        return at < 0 ? null : authority.substring(0, at);
    }

    private static String decode(String s) {
        // Percent-escapes only, as in any URL's user info: a '+' in a password stays a '+'.
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String redact(URI uri) {
        String userInfo = userInfo(uri);
        return userInfo == null ? uri.toString() : uri.toString().replace(userInfo, "****");
    }

    @Override
    public String toString() {
        return "RedisSettings[uri=" + redact(uri) + ", prefix=" + prefix + ", waitReplicas=" + waitReplicas
                + ", waitTimeoutMs=" + waitTimeoutMs + "]";
    }
}
