package io.parley.load.schedule;

/**
 * A fixed-rate open-loop schedule: message {@code i} is due at {@code start + i / rate}, whatever happened to the
 * messages before it, so a slow server can never slow the offered load down (no coordinated omission).
 */
public final class OpenLoopSchedule {
    private final long startNanos;
    private final double periodNanos;
    private final long total;

    public OpenLoopSchedule(long startNanos, double ratePerSecond, long total) {
        if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
            throw new IllegalArgumentException("rate: " + ratePerSecond + " (expected: > 0)");
        }
        if (total < 0) {
            throw new IllegalArgumentException("total: " + total + " (expected: >= 0)");
        }
        this.startNanos = startNanos;
        this.periodNanos = 1e9 / ratePerSecond;
        this.total = total;
    }

    public long total() {
        return total;
    }

    public long startNanos() {
        return startNanos;
    }

    /** When message {@code index} should be sent. */
    public long intendedNanos(long index) {
        return startNanos + (long) (index * periodNanos);
    }

    /** How many messages are due at {@code nowNanos}: the indexes {@code 0 .. dueBy(now) - 1}. */
    public long dueBy(long nowNanos) {
        if (nowNanos < startNanos) {
            return 0;
        }
        long due = (long) Math.floor((nowNanos - startNanos) / periodNanos) + 1;
        // Guard against floating point rounding: index due-1 must really be due, index due must not be.
        while (due > 0 && intendedNanos(due - 1) > nowNanos) {
            due--;
        }
        while (due < total && intendedNanos(due) <= nowNanos) {
            due++;
        }
        return Math.min(due, total);
    }
}
