package io.parley.infra;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
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
