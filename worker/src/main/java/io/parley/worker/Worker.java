package io.parley.worker;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running worker: the coordination tick, the partition consumers it starts, periodic metrics, and its pools. */
public final class Worker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    static final long METRICS_PERIOD_SECONDS = 30;
    /** Consumers get this long to finish their batch on shutdown; container runtimes usually wait 10 s. */
    static final long SHUTDOWN_GRACE_MS = 7_000;

    private final String workerId;
    private final PartitionCoordinator coordinator;
    private final Metrics metrics;
    private final long tickMs;
    private final List<AutoCloseable> resources;
    private final ScheduledExecutorService scheduler;
    private boolean started;
    private boolean closed;

    Worker(
            String workerId,
            PartitionCoordinator coordinator,
            Metrics metrics,
            long tickMs,
            List<AutoCloseable> resources) {
        this.workerId = requireNonNull(workerId, "workerId");
        this.coordinator = requireNonNull(coordinator, "coordinator");
        this.metrics = requireNonNull(metrics, "metrics");
        this.resources = List.copyOf(resources);
        if (tickMs < 1) {
            throw new IllegalArgumentException("tickMs: " + tickMs + " (expected: >= 1)");
        }
        this.tickMs = tickMs;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("parley-" + workerId + "-coordinator").factory());
    }

    synchronized void start() {
        if (started) {
            throw new IllegalStateException("worker " + workerId + " already started");
        }
        started = true;
        scheduler.scheduleWithFixedDelay(coordinator::tick, 0, tickMs, TimeUnit.MILLISECONDS);
        scheduler.scheduleAtFixedRate(
                () -> metrics.logAndReset(METRICS_PERIOD_SECONDS + " s", partitions()),
                METRICS_PERIOD_SECONDS,
                METRICS_PERIOD_SECONDS,
                TimeUnit.SECONDS);
        log.info("Worker {} started", workerId);
    }

    String workerId() {
        return workerId;
    }

    /** The partitions this worker consumes right now. */
    Set<Integer> partitions() {
        return coordinator.partitions();
    }

    /** Finishes the current batches, releases every lease, leaves the live set and closes the pools. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        log.info("Worker {} stopping", workerId);
        scheduler.shutdown();
        try {
            // The tick must not start a consumer while the coordinator is closing.
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
            coordinator.close(SHUTDOWN_GRACE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        scheduler.shutdownNow();
        metrics.logAndReset("period before stopping", Set.of());
        List<AutoCloseable> reversed = new ArrayList<>(resources);
        java.util.Collections.reverse(reversed);
        for (AutoCloseable resource : reversed) {
            try {
                resource.close();
            } catch (Exception e) {
                log.warn("Closing {} failed: {}", resource, e.toString());
            }
        }
        log.info("Worker {} stopped", workerId);
    }
}
