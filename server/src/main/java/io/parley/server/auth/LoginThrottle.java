package io.parley.server.auth;

import io.parley.infra.LuaScript;
import io.parley.infra.RedisClient;
import io.parley.protocol.RedisKeys;
import java.util.List;
import java.util.Objects;

/**
 * Limits failed logins per username and client address across all replicas: a fixed one-minute window in Redis.
 * Blocking; call it off the event loop.
 */
public final class LoginThrottle implements LoginAttempts {
    private static final long WINDOW_MS = 60_000;
    // The subject's failures in the current window and the milliseconds the window has left.
    private static final LuaScript STATE =
            new LuaScript("return {tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('PTTL', KEYS[1])}");
    // Counts a failure; the first one of a window starts it (ARGV[1] ms long).
    private static final LuaScript COUNT_FAILURE = new LuaScript(
            "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end");
    private final RedisClient redis;
    private final RedisKeys keys;
    private final int maxFailures;

    public LoginThrottle(RedisClient redis, RedisKeys keys, int maxFailuresPerMinute) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.maxFailures = maxFailuresPerMinute;
    }

    @Override
    public long retryAfterMs(String subject) {
        List<?> state = (List<?>) STATE.eval(redis.jedis(), List.of(keys.loginAttempts(subject)), List.of());
        long failures = (Long) state.get(0);
        long ttl = (Long) state.get(1);
        return failures >= maxFailures ? Math.max(1, ttl) : 0;
    }

    @Override
    public void failed(String subject) {
        COUNT_FAILURE.eval(redis.jedis(), List.of(keys.loginAttempts(subject)), List.of(Long.toString(WINDOW_MS)));
    }
}
