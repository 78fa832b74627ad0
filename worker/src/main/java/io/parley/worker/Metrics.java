package io.parley.worker;

import io.parley.infra.Prometheus;
import io.parley.protocol.QueueEnvelope;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's metrics on the Prometheus Java client, served on {@code /metrics} by {@link WorkerHttp}; a one-line
 * summary is also logged per period.
 */
final class Metrics {
    private static final Logger log = LoggerFactory.getLogger(Metrics.class);

    private final PrometheusRegistry registry = Prometheus.newRegistry();
    private final CounterDataPoint rounds = counter("parley_worker_rounds", "Store rounds (one transaction each)");
    private final CounterDataPoint envelopes = counter("parley_worker_envelopes", "Envelopes taken and handled");
    private final CounterDataPoint stored = counter("parley_worker_messages_stored", "Messages stored");
    private final CounterDataPoint duplicates = counter(
            "parley_worker_duplicates",
            "Envelopes already stored (a dead worker's leftovers or a retried send), published again");
    private final CounterDataPoint dropped =
            counter("parley_worker_dropped", "Envelopes that could not be stored (undecodable, or their room is gone)");
    private final DistributionDataPoint roundSize = Histogram.builder()
            .name("parley_worker_round_envelopes")
            .help("Envelopes per store round, over all partitions")
            .classicUpperBounds(Prometheus.SIZE_BUCKETS)
            .classicOnly()
            .withoutExemplars()
            .register(registry);
    private final DistributionDataPoint queueWait = latency(
            "parley_worker_queue_wait_seconds",
            "Time from a send accepted by a replica to its envelope taken by this worker (ms resolution)");
    private final DistributionDataPoint storeTime =
            latency("parley_worker_store_seconds", "Duration of one store round's database transaction");
    private final DistributionDataPoint publishTime = latency(
            "parley_worker_publish_seconds",
            "Duration of one round's Redis pipeline: publish, acknowledge and take the next batches");
    private final DistributionDataPoint endToEnd = latency(
            "parley_worker_enqueue_to_publish_seconds",
            "Time from a send accepted by a replica to its message published by this worker (ms resolution)");
    private final Counter leaseChanges = Counter.builder()
            .name("parley_worker_lease_changes")
            .help("Partition leases acquired, released (shutdown or fair share) and lost, by change")
            .labelNames("change")
            .withoutExemplars()
            .register(registry);
    private final CounterDataPoint acquired = leaseChanges.labelValues("acquired");
    private final CounterDataPoint released = leaseChanges.labelValues("released");
    private final CounterDataPoint lost = leaseChanges.labelValues("lost");
    private final AtomicLong inFlight = new AtomicLong();
    private long loggedRounds;
    private long loggedEnvelopes;
    private long loggedStored;
    private long loggedDuplicates;
    private long loggedDropped;

    Metrics() {
        GaugeWithCallback.builder()
                .name("parley_worker_inflight_envelopes")
                .help("Envelopes in this worker's current store round (taken, not yet published and acknowledged)")
                .callback(cb -> cb.call(inFlight.get()))
                .register(registry);
    }

    PrometheusRegistry registry() {
        return registry;
    }

    void recordBatch(int envelopeCount, int storedCount, int duplicateCount, int droppedCount) {
        rounds.inc();
        envelopes.inc(envelopeCount);
        stored.inc(storedCount);
        duplicates.inc(duplicateCount);
        dropped.inc(droppedCount);
        roundSize.observe(envelopeCount);
    }

    /** A batch was taken: how long each envelope waited since a replica accepted it. */
    void taken(List<QueueEnvelope> batch) {
        long now = System.currentTimeMillis();
        for (QueueEnvelope e : batch) {
            queueWait.observe(Math.max(0, now - e.acceptedAt()) / 1000.0);
        }
    }

    /** A round's transaction ended; {@code startNanos} from {@link System#nanoTime()} before it began. */
    void storeTransaction(long startNanos) {
        storeTime.observe(Unit.nanosToSeconds(System.nanoTime() - startNanos));
    }

    /** A round's publish pipeline ended. */
    void publishPipeline(long startNanos) {
        publishTime.observe(Unit.nanosToSeconds(System.nanoTime() - startNanos));
    }

    /** These envelopes' messages are published. */
    void published(List<QueueEnvelope> batch) {
        long now = System.currentTimeMillis();
        for (QueueEnvelope e : batch) {
            endToEnd.observe(Math.max(0, now - e.acceptedAt()) / 1000.0);
        }
    }

    void inFlight(int envelopeCount) {
        inFlight.set(envelopeCount);
    }

    void leaseAcquired() {
        acquired.inc();
    }

    /** A consumer ended: it released its lease, or had lost it. */
    void leaseEnded(boolean wasLost) {
        (wasLost ? lost : released).inc();
    }

    /** Reads how many partitions this worker consumes, at scrape time. */
    void partitionsHeld(IntSupplier held) {
        GaugeWithCallback.builder()
                .name("parley_worker_partitions_held")
                .help("Partitions this worker holds the lease of and consumes")
                .callback(cb -> cb.call(held.getAsInt()))
                .register(registry);
    }

    /** Reads whether the worker loop is healthy (as {@code /healthz}), at scrape time. */
    void healthy(BooleanSupplier healthy) {
        GaugeWithCallback.builder()
                .name("parley_worker_healthy")
                .help("1 while the worker loop, Redis and the database are healthy (as /healthz)")
                .callback(cb -> cb.call(healthy.getAsBoolean() ? 1 : 0))
                .register(registry);
    }

    /** Exposes the failures (each one retried) and outages of the dependencies, read from their {@link Outage}s. */
    void outages(List<Outage> outages) {
        CounterWithCallback.builder()
                .name("parley_worker_dependency_failures")
                .help("Failed attempts at a dependency, each retried with backoff")
                .labelNames("dependency")
                .callback(cb -> outages.forEach(o -> cb.call(o.failures(), o.dependency())))
                .register(registry);
        CounterWithCallback.builder()
                .name("parley_worker_outages")
                .help("Outages of a dependency (failing until an attempt succeeds)")
                .labelNames("dependency")
                .callback(cb -> outages.forEach(o -> cb.call(o.outages(), o.dependency())))
                .register(registry);
        GaugeWithCallback.builder()
                .name("parley_worker_dependency_down")
                .help("1 while a dependency is failing")
                .labelNames("dependency")
                .callback(cb -> outages.forEach(o -> cb.call(o.isDown() ? 1 : 0, o.dependency())))
                .register(registry);
    }

    /** Logs what happened since the previous call. */
    synchronized void logAndReset(String period, Object partitions) {
        long b = rounds.getLongValue() - loggedRounds;
        long e = envelopes.getLongValue() - loggedEnvelopes;
        long s = stored.getLongValue() - loggedStored;
        long d = duplicates.getLongValue() - loggedDuplicates;
        long x = dropped.getLongValue() - loggedDropped;
        loggedRounds += b;
        loggedEnvelopes += e;
        loggedStored += s;
        loggedDuplicates += d;
        loggedDropped += x;
        log.info(
                "Last {}: {} batches, {} stored, {} duplicates, {} dropped, avg batch size {}; partitions {}",
                period,
                b,
                s,
                d,
                x,
                b == 0 ? "0" : String.format(Locale.ROOT, "%.1f", (double) e / b),
                partitions);
    }

    private CounterDataPoint counter(String name, String help) {
        return Prometheus.counter(registry, name, help);
    }

    private DistributionDataPoint latency(String name, String help) {
        return Prometheus.latency(registry, name, help);
    }
}
