package io.parley.infra;

import java.net.URI;
import java.util.Objects;

/**
 * Where Redis is and the prefix of every key and channel. The URL is {@code PARLEY_REDIS_URL}, else the seed
 * application's {@code REDIS_URL} or {@code CELERY_BROKER_URL} ({@code redis://[:password@]host:port[/db]}).
 */
public record RedisSettings(URI uri, String prefix) {
    public RedisSettings {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(prefix, "prefix");
        if (!"redis".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("PARLEY_REDIS_URL: " + redact(uri) + " (expected: redis://host:port)");
        }
    }

    public static RedisSettings fromEnv(Env env) {
        String url = env.first("redis://127.0.0.1:6379", "PARLEY_REDIS_URL", "REDIS_URL", "CELERY_BROKER_URL");
        return new RedisSettings(URI.create(url), env.string("PARLEY_REDIS_PREFIX", "parley:"));
    }

    private static String redact(URI uri) {
        return uri.getUserInfo() == null ? uri.toString() : uri.toString().replace(uri.getRawUserInfo(), "****");
    }

    @Override
    public String toString() {
        return "RedisSettings[uri=" + redact(uri) + ", prefix=" + prefix + "]";
    }
}
