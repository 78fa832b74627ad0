package io.parley.infra;

/** Capped exponential backoff: 100 ms, 200 ms, 400 ms ... up to the cap, back to the start after a success. */
public final class Backoff {
    private final long initialMs;
    private final long maxMs;
    private long nextMs;

    public Backoff(long initialMs, long maxMs) {
        if (initialMs < 1 || maxMs < initialMs) {
            throw new IllegalArgumentException(
                    "backoff: " + initialMs + "-" + maxMs + " ms (expected: 1 <= initial <= max)");
        }
        this.initialMs = initialMs;
        this.maxMs = maxMs;
        this.nextMs = initialMs;
    }

    /** The delay before the next attempt; each call doubles the following one, up to the cap. */
    public long nextDelayMs() {
        long delay = nextMs;
        nextMs = Math.min(maxMs, nextMs * 2);
        return delay;
    }

    public void reset() {
        nextMs = initialMs;
    }
}
