package io.parley.worker;

import static java.util.Objects.requireNonNull;

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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One round's work for the {@link BatchCommitter}: stores the batches of a round in one transaction on a dedicated
 * connection, then publishes, acknowledges and takes the next batch of every partition in one queue pipeline. Its
 * rounds run on the committer's thread; the pacing, backoff and hand-offs are the committer's.
 */
final class StoreAndAdvance {
    private static final Logger log = LoggerFactory.getLogger(StoreAndAdvance.class);
    /** The dedicated connection goes back to the pool this often, so the pool's lifetime and health rules apply. */
    private static final long HOLD_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** A partition with nothing to take stays in a busy loop for this many rounds before it goes back to block. */
    static final int MAX_IDLE_ROUNDS = 50;

    private final DataSource dataSource;
    private final MessageBatchWriter writer;
    private final WorkQueue queue;
    private final EnvelopeDecoder decoder;
    private final MessageFrames frames;
    private final Outage redisOutage;
    private final Metrics metrics;
    private final int batchSize;
    private Connection connection;
    private long connectionSince;

    StoreAndAdvance(
            DataSource dataSource,
            MessageBatchWriter writer,
            WorkQueue queue,
            EnvelopeDecoder decoder,
            MessageFrames frames,
            Outage redisOutage,
            Metrics metrics,
            int batchSize) {
        this.dataSource = requireNonNull(dataSource, "dataSource");
        this.writer = requireNonNull(writer, "writer");
        this.queue = requireNonNull(queue, "queue");
        this.decoder = requireNonNull(decoder, "decoder");
        this.frames = requireNonNull(frames, "frames");
        this.redisOutage = requireNonNull(redisOutage, "redisOutage");
        this.metrics = requireNonNull(metrics, "metrics");
        this.batchSize = batchSize;
    }

    /** {@code consumer}'s turn, starting with {@code batch} (just taken); called on the consumer's thread. */
    Cycle begin(PartitionConsumer consumer, List<String> batch) {
        Cycle s = new Cycle(consumer);
        s.load(batch, decoder);
        metrics.taken(s.envelopes);
        return s;
    }

    /**
     * Stores every batch of {@code round} in one transaction and prepares each one's frames to publish; on a failure
     * nothing is stored and the connection is discarded (the caller retries the round).
     */
    void store(List<Cycle> round) throws SQLException {
        try {
            storeOnce(round);
        } catch (SQLException | RuntimeException e) {
            discardConnection();
            throw e;
        }
    }

    private void storeOnce(List<Cycle> round) throws SQLException {
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
    List<Cycle> advance(List<Cycle> round) {
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
            round.forEach(s -> s.done.complete(new BatchCommitter.Handback.Unpublished(s.raw.size(), s.frames)));
            return new ArrayList<>();
        }
        boolean busy = answers.stream()
                .anyMatch(a -> a instanceof Taken.Batch b && !b.envelopes().isEmpty());
        List<Cycle> next = new ArrayList<>(round.size());
        for (int i = 0; i < round.size(); i++) {
            Cycle s = round.get(i);
            switch (answers.get(i)) {
                case Taken.Failed failed -> {
                    // That script did not run (say, Redis lost its scripts): the consumer does it again by itself.
                    redisOutage.failed(failed.cause());
                    s.done.complete(new BatchCommitter.Handback.Unpublished(s.raw.size(), s.frames));
                }
                case Taken.NotOurLease notOurs -> {
                    metrics.published(s.envelopes);
                    s.done.complete(new BatchCommitter.Handback.LeaseLost());
                }
                case Taken.Batch batch
                when !batch.envelopes().isEmpty() -> {
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
                        s.done.complete(new BatchCommitter.Handback.Drained());
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

    /** Gives the dedicated connection back; the next round takes a new one. */
    void discardConnection() {
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
}
