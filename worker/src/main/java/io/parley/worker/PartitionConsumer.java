package io.parley.worker;

import static java.util.Objects.requireNonNull;

import io.parley.protocol.QueueEnvelope;
import io.parley.worker.bus.MessagePublisher;
import io.parley.worker.queue.EnvelopeDecoder;
import io.parley.worker.queue.PartitionLeases;
import io.parley.worker.queue.PartitionQueue;
import io.parley.worker.store.BatchResult;
import io.parley.worker.store.MessageBatchWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes one partition while this worker holds its lease: take a batch (leftovers first), store it, publish it,
 * and only then remove it from the inflight list. Runs on its own thread until asked to stop or the lease is lost.
 */
final class PartitionConsumer implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(PartitionConsumer.class);
    /** How long one blocking wait for new envelopes lasts; bounds how late a stop request is noticed. */
    static final Duration AWAIT = Duration.ofSeconds(1);

    /** Everything a consumer needs, shared by all partitions of one worker. */
    record Collaborators(PartitionQueue queue, PartitionLeases leases, EnvelopeDecoder decoder,
                         MessageBatchWriter writer, MessagePublisher publisher, Retrier retrier, Outage redisOutage,
                         Outage dbOutage, Metrics metrics, int batchSize) {
        Collaborators {
            requireNonNull(queue, "queue");
            requireNonNull(leases, "leases");
            requireNonNull(decoder, "decoder");
            requireNonNull(writer, "writer");
            requireNonNull(publisher, "publisher");
            requireNonNull(retrier, "retrier");
            requireNonNull(redisOutage, "redisOutage");
            requireNonNull(dbOutage, "dbOutage");
            requireNonNull(metrics, "metrics");
        }
    }

    private final int partition;
    private final Collaborators c;
    private final Consumer<PartitionConsumer> onExit;
    private volatile boolean stopRequested;
    private volatile boolean lost;

    PartitionConsumer(int partition, Collaborators collaborators, Consumer<PartitionConsumer> onExit) {
        this.partition = partition;
        this.c = requireNonNull(collaborators, "collaborators");
        this.onExit = requireNonNull(onExit, "onExit");
    }

    int partition() {
        return partition;
    }

    /** Finish the current batch, release the lease and end. */
    void requestStop() {
        stopRequested = true;
    }

    /** The lease is gone: end without touching the partition again; its next owner redoes the current batch. */
    void markLost() {
        lost = true;
    }

    /** Still consuming: neither stopping nor lost. */
    boolean isActive() {
        return !stopRequested && !lost;
    }

    boolean isLost() {
        return lost;
    }

    @Override
    public void run() {
        log.info("Consuming partition {}", partition);
        try {
            while (isActive()) {
                List<String> batch = c.retrier().call(c.redisOutage(), () -> c.queue().take(partition, c.batchSize()),
                        () -> !lost);
                if (batch == null) {
                    lost = true;
                } else if (batch.isEmpty()) {
                    c.retrier().call(c.redisOutage(), () -> {
                        c.queue().awaitEnvelope(partition, AWAIT);
                        return null;
                    }, this::isActive);
                } else {
                    handle(batch);
                }
            }
        } catch (Retrier.Abandoned e) {
            log.debug("Partition {}: abandoned the current step ({})", partition, e.getMessage());
        } catch (RuntimeException e) {
            // A bug, not an outage: give the partition up; the coordinator takes it again on its next tick.
            log.error("Partition {}: consumer failed", partition, e);
        } finally {
            finish();
        }
    }

    private void handle(List<String> batch) {
        List<QueueEnvelope> envelopes = new ArrayList<>(batch.size());
        for (String raw : batch) {
            c.decoder().decode(raw).ifPresent(envelopes::add);
        }
        BatchResult result = envelopes.isEmpty()
                ? new BatchResult(List.of(), 0, 0, 0)
                : c.retrier().call(c.dbOutage(), () -> c.writer().write(envelopes), () -> !lost);
        c.retrier().call(c.redisOutage(), () -> {
            c.publisher().publish(result.toPublish());
            return null;
        }, () -> !lost);
        boolean acknowledged = c.retrier().call(c.redisOutage(), () -> c.queue().ack(partition, batch.size()),
                () -> !lost);
        if (!acknowledged) {
            log.warn("Partition {}: lease lost before the batch was acknowledged; its next owner redoes it", partition);
            lost = true;
        }
        c.metrics().recordBatch(batch.size(), result.stored(), result.duplicates(),
                result.dropped() + batch.size() - envelopes.size());
    }

    private void finish() {
        try {
            if (!lost) {
                c.leases().release(partition);
                log.info("Released partition {}", partition);
            } else {
                log.info("Stopped consuming partition {}", partition);
            }
        } catch (RuntimeException e) {
            // Redis is down: the lease simply runs out and another worker takes over.
            log.info("Stopped consuming partition {}; its lease will expire: {}", partition, e.toString());
        } finally {
            onExit.accept(this);
        }
    }
}
