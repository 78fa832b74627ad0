package io.parley.infra;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** What the server's and the worker's metrics share: a registry with the JVM's metrics, buckets, the text format. */
public final class Prometheus {
    /**
     * Latency buckets in seconds: fine enough below 1 ms for the fast paths' p50 and p99 (a send is acknowledged in
     * a few hundred microseconds), coarse up to 10 s, where outages show.
     */
    public static final double[] LATENCY_BUCKETS = {
        0.00005, 0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1,
        0.25, 0.5, 0.75, 1, 2.5, 5, 10
    };
    /** Buckets for counts per batch (messages per transaction, deliveries per fan-out batch). */
    public static final double[] SIZE_BUCKETS = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};
    /** The content type of {@link #scrape}. */
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private Prometheus() {}

    /** A registry of its own (two processes' worth can share a JVM in tests) with heap, GC, threads, buffers. */
    public static PrometheusRegistry newRegistry() {
        PrometheusRegistry registry = new PrometheusRegistry();
        JvmMetrics.builder().register(registry);
        return registry;
    }

    /** An unlabelled counter in {@code registry}; no exemplars, which would cost a clock read per increment. */
    public static CounterDataPoint counter(PrometheusRegistry registry, String name, String help) {
        return Counter.builder().name(name).help(help).withoutExemplars().register(registry);
    }

    /** A latency histogram in seconds on {@link #LATENCY_BUCKETS} (classic buckets only) in {@code registry}. */
    public static DistributionDataPoint latency(PrometheusRegistry registry, String name, String help) {
        return Histogram.builder()
                .name(name)
                .help(help)
                .unit(Unit.SECONDS)
                .classicUpperBounds(LATENCY_BUCKETS)
                .classicOnly()
                .withoutExemplars()
                .register(registry);
    }

    /** The registry in the Prometheus text format (0.0.4). */
    public static byte[] scrape(PrometheusRegistry registry) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }
}
