package io.parley.worker;

import static java.util.Objects.requireNonNull;

import io.parley.infra.Backoff;
import io.parley.protocol.QueueEnvelope;
import io.parley.worker.bus.MessageFrames;
import io.parley.worker.queue.EnvelopeDecoder;
import io.parley.worker.queue.Taken;
import io.parley.worker.queue.WorkQueue;
import io.parley.worker.store.BatchResult;
import io.parley.worker.store.MessageBatchWriter;
import io.parley.worker.store.StoredMessage;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The committer that all of this worker's busy partitions share: each round stores their batches in one transaction
 * (one set of statements and one fsync), then publishes, acknowledges and takes the next batch of every one of them
 * in one Redis pipeline. A partition stays in the rounds while it has envelopes and goes back to its consumer (to block
 * until more arrive) when it has none; a lone batch waits for nothing.
 */
final class BatchCommitter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchCommitter.class);
    /** The dedicated connection goes back to the pool this often, so the pool's lifetime and health rules apply. */
    private static final long HOLD_NANOS = TimeUnit.SECONDS.toNanos(30);
    /**
     * Back-to-back rounds start at least this far apart, so that under load each carries more envelopes for the same
     * statements, fsync and round trips; a round after an idle spell starts at once, so a lone message waits for none.
     */
    static final long MIN_ROUND_NANOS = TimeUnit.MICROSECONDS.toNanos(2_000);
    /** A partition with nothing to take stays in a busy loop for this many rounds before it goes back to block. */
    static final int MAX_IDLE_ROUNDS = 50;

    private final DataSource dataSource;
    private final MessageBatchWriter writer;
    private final WorkQueue queue;
    private final EnvelopeDecoder decoder;
    private final MessageFrames frames;
    private final Outage dbOutage;
    private final Outage redisOutage;
    private final Metrics metrics;
    private final int batchSize;
    private final LinkedBlockingQueue<Cycle> pending = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;
    private Connection connection;
    private long connectionSince;

    BatchCommitter(DataSource dataSource, MessageBatchWriter writer, WorkQueue queue, EnvelopeDecoder decoder,
                   MessageFrames frames, Outage dbOutage, Outage redisOutage, Metrics metrics, int batchSize,
                   String workerId) {
        this.dataSource = requireNonNull(dataSource, "dataSource");
        this.writer = requireNonNull(writer, "writer");
        this.queue = requireNonNull(queue, "queue");
        this.decoder = requireNonNull(decoder, "decoder");
        this.frames = requireNonNull(frames, "frames");
        this.dbOutage = requireNonNull(dbOutage, "dbOutage");
        this.redisOutage = requireNonNull(redisOutage, "redisOutage");
        this.metrics = requireNonNull(metrics, "metrics");
        this.batchSize = batchSize;
        this.thread = Thread.ofPlatform().name("parley-" + workerId + "-committer").unstarted(this::run);
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
        Cycle s = new Cycle(consumer);
        s.load(batch, decoder);
        metrics.taken(s.envelopes);
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
                    store(round);
                    backoff.reset();
                    dbOutage.succeeded();
                } catch (SQLException | RuntimeException e) {
                    dbOutage.failed(e);
                    discardConnection();
                    // The round is retried with whatever else has arrived meanwhile, minus batches no longer wanted.
                    Thread.sleep(backoff.nextDelayMs());
                    continue;
                }
                try {
                    round = advance(round);
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
            discardConnection();
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

    private void store(List<Cycle> round) throws SQLException {
        List<QueueEnvelope> envelopes = new ArrayList<>();
        Map<String, Cycle> byId = new HashMap<>();
        boolean fresh = true;
        int raw = 0;
        for (Cycle s : round) {
            envelopes.addAll(s.envelopes);
            s.envelopes.forEach(e -> byId.putIfAbsent(e.id(), s));
            fresh &= s.fresh;
            raw += s.raw.size();
        }
        if (raw == 0) {
            round.forEach(s -> s.frames = List.of());
            return;
        }
        // Each partition's envelopes stay in queue order, and no room spans two partitions, so rooms keep theirs.
        metrics.inFlight(raw);
        long start = System.nanoTime();
        BatchResult result = writer.write(connection(), envelopes, fresh);
        metrics.storeTransaction(start);
        metrics.recordBatch(raw, result.stored(), result.duplicates(), result.dropped() + raw - envelopes.size());
        Map<Cycle, List<StoredMessage>> toPublish = new IdentityHashMap<>();
        for (StoredMessage m : result.toPublish()) {
            toPublish.computeIfAbsent(byId.get(m.id()), k -> new ArrayList<>()).add(m);
        }
        for (Cycle s : round) {
            s.frames = frames.channelsAndFrames(toPublish.getOrDefault(s, List.of()));
        }
    }

    /** Publishes and acknowledges every stored batch and takes the next ones; answers the partitions that have one. */
    private List<Cycle> advance(List<Cycle> round) {
        List<WorkQueue.Step> steps = new ArrayList<>(round.size());
        for (Cycle s : round) {
            // A consumer asked to stop takes nothing more; it releases its lease once it has this answer.
            int max = s.consumer.isActive() ? batchSize : 0;
            steps.add(new WorkQueue.Step(s.consumer.partition(), max, s.raw.size(), s.frames));
        }
        List<Taken> answers;
        try {
            long start = System.nanoTime();
            answers = queue.publishAckAndTakeAll(steps);
            metrics.publishPipeline(start);
            redisOutage.succeeded();
        } catch (RuntimeException e) {
            redisOutage.failed(e);
            round.forEach(s -> s.done.complete(new Handback.Unpublished(s.raw.size(), s.frames)));
            return new ArrayList<>();
        }
        boolean busy = answers.stream().anyMatch(a -> a instanceof Taken.Batch b && !b.envelopes().isEmpty());
        List<Cycle> next = new ArrayList<>(round.size());
        for (int i = 0; i < round.size(); i++) {
            Cycle s = round.get(i);
            switch (answers.get(i)) {
                case Taken.Failed failed -> {
                    // That script did not run (say, Redis lost its scripts): the consumer does it again by itself.
                    redisOutage.failed(failed.cause());
                    s.done.complete(new Handback.Unpublished(s.raw.size(), s.frames));
                }
                case Taken.NotOurLease notOurs -> {
                    metrics.published(s.envelopes);
                    s.done.complete(new Handback.LeaseLost());
                }
                case Taken.Batch batch when !batch.envelopes().isEmpty() -> {
                    metrics.published(s.envelopes);
                    s.idleRounds = 0;
                    s.load(batch.envelopes(), decoder);
                    metrics.taken(s.envelopes);
                    next.add(s);
                }
                case Taken.Batch empty -> {
                    metrics.published(s.envelopes);
                    if (busy && s.consumer.isActive() && ++s.idleRounds <= MAX_IDLE_ROUNDS) {
                        // While other partitions keep the rounds going, another take in its pipeline costs less than
                        // handing this one back to block and wake up again a moment later.
                        s.load(List.of(), decoder);
                        next.add(s);
                    } else {
                        s.done.complete(new Handback.Drained());
                    }
                }
            }
        }
        return next;
    }

    private Connection connection() throws SQLException {
        long now = System.nanoTime();
        if (connection != null && now - connectionSince > HOLD_NANOS) {
            discardConnection();
        }
        if (connection == null) {
            Connection c = dataSource.getConnection();
            try {
                MessageBatchWriter.prepare(c);
            } catch (SQLException | RuntimeException e) {
                c.close();
                throw e;
            }
            connection = c;
            connectionSince = now;
        }
        return connection;
    }

    private void discardConnection() {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException | RuntimeException e) {
            log.debug("Closing the committer's connection failed: {}", e.toString());
        }
        connection = null;
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
        record Drained() implements Handback {
        }

        /** The lease is lost: its last batch is stored and published, and its next owner acknowledges it. */
        record LeaseLost() implements Handback {
        }

        /**
         * Its last batch of {@code toAck} envelopes is stored, but publishing {@code toPublish} and acknowledging it
         * failed here, so the consumer's next take must do both.
         */
        record Unpublished(int toAck, List<byte[]> toPublish) implements Handback {
        }
    }

    /** One partition's turn in the committer's rounds: its current batch and who to hand the partition back to. */
    private static final class Cycle {
        private final PartitionConsumer consumer;
        private final CompletableFuture<Handback> done = new CompletableFuture<>();
        private List<String> raw;
        private List<QueueEnvelope> envelopes;
        private boolean fresh;
        private List<byte[]> frames;
        /** Rounds in a row that found nothing to take. */
        private int idleRounds;

        Cycle(PartitionConsumer consumer) {
            this.consumer = consumer;
        }

        void load(List<String> batch, EnvelopeDecoder decoder) {
            raw = batch;
            envelopes = new ArrayList<>(batch.size());
            for (String e : batch) {
                decoder.decode(e).ifPresent(envelopes::add);
            }
            fresh = consumer.freshBatch(batch.size());
            frames = List.of();
        }
    }
}
