package io.parley.server.chat;

/** A token bucket: {@code ratePerSecond} tokens a second, at most {@code burst} saved up. Not thread-safe. */
final class RateLimiter {
    private final double ratePerNano;
    private final double burst;
    private double tokens;
    private long lastNanos;

    RateLimiter(int ratePerSecond, int burst, long nowNanos) {
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
        this.lastNanos = nowNanos;
    }

    /** Takes a token: 0 when allowed, else the milliseconds until one is available. */
    long tryAcquire(long nowNanos) {
        tokens = Math.min(burst, tokens + (nowNanos - lastNanos) * ratePerNano);
        lastNanos = nowNanos;
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - tokens) / ratePerNano / 1e6));
    }
}
