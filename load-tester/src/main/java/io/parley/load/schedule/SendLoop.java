package io.parley.load.schedule;

import java.util.Objects;

/**
 * Runs an {@link OpenLoopSchedule} on the calling thread: every message that is due is handed to the sink at once,
 * never waiting for an answer, and how late each hand-off was is reported so a saturated generator is visible.
 */
public final class SendLoop {
    /** Receives each due message; must not block. */
    @FunctionalInterface
    public interface Sink {
        void send(long index, long intendedNanos, long actualNanos);

        /** Called after each batch of messages that fell due together, before the loop parks. */
        default void endOfBatch() {}
    }

    /** Receives the lateness of each hand-off in nanoseconds. */
    @FunctionalInterface
    public interface LagListener {
        void onLag(long lagNanos);
    }

    private final OpenLoopSchedule schedule;
    private final NanoClock clock;
    private final Sink sink;
    private final LagListener lag;
    private volatile boolean stopped;
    private volatile long dispatched;

    public SendLoop(OpenLoopSchedule schedule, NanoClock clock, Sink sink, LagListener lag) {
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.lag = Objects.requireNonNull(lag, "lag");
    }

    /** Dispatches every message of the schedule (or until {@link #stop()}); returns how many were dispatched. */
    public long run() {
        long next = 0;
        long total = schedule.total();
        while (next < total && !stopped) {
            long now = clock.nanoTime();
            long due = schedule.dueBy(now);
            for (; next < due && !stopped; next++) {
                long intended = schedule.intendedNanos(next);
                long actual = clock.nanoTime();
                lag.onLag(Math.max(0, actual - intended));
                sink.send(next, intended, actual);
                dispatched = next + 1;
            }
            sink.endOfBatch();
            if (next < total && !stopped) {
                clock.parkUntil(schedule.intendedNanos(next));
            }
        }
        return next;
    }

    public void stop() {
        stopped = true;
    }

    public long dispatched() {
        return dispatched;
    }
}
