package io.parley.server.bus;

/**
 * Generates message ids unique across the system without coordination: 41 bits of milliseconds since 2024,
 * 10 bits of node number (handed out by Redis at start), 12 bits of sequence within the millisecond.
 */
public final class MessageIds {
    private static final long EPOCH_MS = 1_704_067_200_000L; // 2024-01-01T00:00:00Z
    private final long node;
    private long lastMs = -1;
    private long sequence;

    public MessageIds(long node) {
        if (node < 0 || node > 1023) {
            throw new IllegalArgumentException("node: " + node + " (expected: 0-1023)");
        }
        this.node = node;
    }

    /** The epoch milliseconds when {@code id} was generated (when a replica accepted the send). */
    /** The smallest id made at or after {@code epochMs}: ids sort by time, so this bounds a range of them. */
    public static long firstIdAt(long epochMs) {
        return Math.max(0, epochMs - EPOCH_MS) << 22;
    }

    public static long millisOf(long id) {
        return (id >>> 22) + EPOCH_MS;
    }

    public synchronized long next() {
        long now = System.currentTimeMillis();
        if (now < lastMs) {
            now = lastMs; // the clock went back: keep counting in the last millisecond rather than repeat ids
        }
        if (now == lastMs) {
            sequence = (sequence + 1) & 0xFFF;
            if (sequence == 0) {
                now = lastMs + 1; // 4096 ids in one millisecond: borrow the next one
            }
        } else {
            sequence = 0;
        }
        lastMs = now;
        return ((now - EPOCH_MS) << 22) | (node << 12) | sequence;
    }
}
