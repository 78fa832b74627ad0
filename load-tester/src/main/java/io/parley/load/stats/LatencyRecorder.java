package io.parley.load.stats;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A latency histogram in microseconds that many threads record into without locks, read as one-second intervals
 * (for the progress line) folded into a cumulative histogram (for the report).
 */
public final class LatencyRecorder {
    /** Latencies above a minute are clamped to a minute. */
    static final long HIGHEST_MICROS = 60_000_000L;

    private final Recorder recorder = new Recorder(HIGHEST_MICROS, 3);
    private final Histogram total = newHistogram();
    private Histogram interval;

    public static Histogram newHistogram() {
        return new Histogram(HIGHEST_MICROS, 3);
    }

    public void recordNanos(long nanos) {
        recorder.recordValue(Math.min(HIGHEST_MICROS, Math.max(0, nanos / 1_000)));
    }

    /** Moves what was recorded since the last call into the cumulative histogram and returns that interval. */
    public synchronized Histogram roll() {
        interval = recorder.getIntervalHistogram(interval);
        total.add(interval);
        return interval;
    }

    /** A copy of everything recorded up to the last {@link #roll()}. */
    public synchronized Histogram cumulative() {
        return total.copy();
    }
}
