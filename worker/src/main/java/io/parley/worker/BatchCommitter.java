package io.parley.worker;

import static java.util.Objects.requireNonNull;

import io.parley.infra.Backoff;
import io.parley.worker.bus.MessageFrames;
import io.parley.worker.queue.EnvelopeDecoder;
import io.parley.worker.queue.WorkQueue;
import io.parley.worker.store.MessageBatchWriter;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The committer that all of this worker's busy partitions share: its thread runs rounds, each one a
 * {@link StoreAndAdvance} step (their batches stored in one transaction, then published, acknowledged and the next
 * taken in one pipeline), paced so that busy rounds carry more and retried with backoff while the database is down.
 * A partition stays in the rounds while it has envelopes and goes back to its consumer (to block until more arrive)
 * when it has none; a lone batch waits for nothing.
 */
final class BatchCommitter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchCommitter.class);
    /**
     * Back-to-back rounds start at least this far apart, so that under load each carries more envelopes for the same
     * statements, fsync and round trips; a round after an idle spell starts at once, so a lone message waits for none.
     * A round's fixed cost (four statements and a commit, one pipeline of a script per partition) is most of the CPU
     * per message of worker and MariaDB at a few thousand messages per second: 5 ms instead of 2 spreads it over more
     * messages for at most 3 ms more delivery latency under load (docs/BENCHMARKS.md, issue 9).
     */
    static final long MIN_ROUND_NANOS = TimeUnit.MICROSECONDS.toNanos(5_000);

    private final StoreAndAdvance step;
    private final Outage dbOutage;
    private final Metrics metrics;
    private final LinkedBlockingQueue<Cycle> pending = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;

    BatchCommitter(
            DataSource dataSource,
            MessageBatchWriter writer,
            WorkQueue queue,
            EnvelopeDecoder decoder,
            MessageFrames frames,
            Outage dbOutage,
            Outage redisOutage,
            Metrics metrics,
            int batchSize,
            String workerId) {
        this.step = new StoreAndAdvance(dataSource, writer, queue, decoder, frames, redisOutage, metrics, batchSize);
        this.dbOutage = requireNonNull(dbOutage, "dbOutage");
        this.metrics = requireNonNull(metrics, "metrics");
        this.thread =
                Thread.ofPlatform().name("parley-" + workerId + "-committer").unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /**
     * Runs {@code consumer}'s partition in the committer's rounds, starting with {@code batch} (just taken), until the partition has
     * no more envelopes, its lease is lost, or its consumer stops. Blocks while the database is down, until the
     * consumer is lost (then {@link Retrier.Abandoned}; the batch may or may not be stored, as when a worker dies).
     */
    Handback consume(PartitionConsumer consumer, List<String> batch) {
        Cycle s = step.begin(consumer, batch);
        if (closed) {
            throw new Retrier.Abandoned("committer closed");
        }
        pending.add(s);
        try {
            while (true) {
                try {
                    return s.done.get(1, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    if (closed) {
                        // Closed while this batch was being added: nobody would ever answer it.
                        s.done.cancel(false);
                    }
                }
            }
        } catch (InterruptedException e) {
            s.done.cancel(false);
            Thread.currentThread().interrupt();
            throw new Retrier.Abandoned("interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (CancellationException e) {
            throw new Retrier.Abandoned("cancelled");
        }
    }

    private void run() {
        List<Cycle> round = new ArrayList<>();
        Backoff backoff = new Backoff(Retrier.INITIAL_BACKOFF_MS, Retrier.MAX_BACKOFF_MS);
        long lastRoundStart = System.nanoTime() - MIN_ROUND_NANOS;
        try {
            while (!closed) {
                if (round.isEmpty()) {
                    metrics.inFlight(0);
                    round.add(pending.take());
                }
                long wait = lastRoundStart + MIN_ROUND_NANOS - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(Duration.ofNanos(wait));
                }
                lastRoundStart = System.nanoTime();
                pending.drainTo(round);
                round.removeIf(BatchCommitter::abandonIfUnwanted);
                if (round.isEmpty()) {
                    continue;
                }
                try {
                    step.store(round);
                    backoff.reset();
                    dbOutage.succeeded();
                } catch (SQLException | RuntimeException e) {
                    dbOutage.failed(e);
                    // The round is retried with whatever else has arrived meanwhile, minus batches no longer wanted.
                    Thread.sleep(backoff.nextDelayMs());
                    continue;
                }
                try {
                    round = step.advance(round);
                } catch (RuntimeException e) {
                    // A bug, not an outage: hand the partitions back, whose consumers give them up for now.
                    log.error("Advancing partitions failed", e);
                    round.forEach(c -> c.done.completeExceptionally(e));
                    round = new ArrayList<>();
                }
            }
        } catch (InterruptedException e) {
            log.debug("Committer interrupted");
        } finally {
            pending.drainTo(round);
            round.forEach(s -> s.done.completeExceptionally(new Retrier.Abandoned("committer closed")));
            step.discardConnection();
        }
    }

    private static boolean abandonIfUnwanted(Cycle s) {
        if (s.done.isDone()) {
            return true;
        }
        if (s.consumer.isLost()) {
            s.done.completeExceptionally(new Retrier.Abandoned("lease lost"));
            return true;
        }
        return false;
    }

    /** Abandons the batches still waiting and ends the thread; called after every consumer has ended. */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        thread.interrupt();
        thread.join(TimeUnit.SECONDS.toMillis(5));
    }

    /** How a partition leaves the committer's rounds, back to its consumer. */
    sealed interface Handback {
        /** Its last batch is stored, published and acknowledged, and there is nothing left to take. */
        record Drained() implements Handback {}

        /** The lease is lost: its last batch is stored and published, and its next owner acknowledges it. */
        record LeaseLost() implements Handback {}

        /**
         * Its last batch of {@code toAck} envelopes is stored, but publishing {@code toPublish} and acknowledging it
         * failed here, so the consumer's next take must do both.
         */
        record Unpublished(int toAck, List<byte[]> toPublish) implements Handback {}
    }
}
