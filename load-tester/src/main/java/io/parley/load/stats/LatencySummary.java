package io.parley.load.stats;

import org.HdrHistogram.Histogram;

/** Percentiles of one latency histogram in milliseconds, plus the histogram itself (base64) for later merging. */
public record LatencySummary(
        long count,
        double meanMs,
        double p50Ms,
        double p90Ms,
        double p99Ms,
        double p999Ms,
        double maxMs,
        String histogram) {
    public static LatencySummary of(Histogram h) {
        return new LatencySummary(
                h.getTotalCount(),
                ms(h.getMean()),
                ms(h.getValueAtPercentile(50)),
                ms(h.getValueAtPercentile(90)),
                ms(h.getValueAtPercentile(99)),
                ms(h.getValueAtPercentile(99.9)),
                ms(h.getMaxValue()),
                HistogramCodec.encode(h));
    }

    public static double ms(double micros) {
        return Math.round(micros / 10.0) / 100.0;
    }
}
