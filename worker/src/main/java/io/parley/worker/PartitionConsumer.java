package io.parley.worker;

import static java.util.Objects.requireNonNull;

import io.parley.worker.queue.Leases;
import io.parley.worker.queue.Taken;
import io.parley.worker.queue.WorkQueue;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes one partition while this worker holds its lease: takes a batch (leftovers first) and hands the partition
 * to the worker's {@link BatchCommitter}, which stores, publishes and only then removes each batch, and keeps taking
 * while there are envelopes; when it hands the partition back drained, blocks until one arrives. Runs on its own thread
 * until asked to stop or the lease is lost.
 */
final class PartitionConsumer implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(PartitionConsumer.class);
    /** How long one blocking wait for new envelopes lasts; bounds how late a stop request is noticed. */
    static final Duration AWAIT = Duration.ofSeconds(1);

    /** Everything a consumer needs, shared by all partitions of one worker. */
    record Collaborators(
            WorkQueue queue,
            Leases leases,
            BatchCommitter committer,
            Retrier retrier,
            Outage redisOutage,
            int batchSize) {
        Collaborators {
            requireNonNull(queue, "queue");
            requireNonNull(leases, "leases");
            requireNonNull(committer, "committer");
            requireNonNull(retrier, "retrier");
            requireNonNull(redisOutage, "redisOutage");
        }
    }

    private final int partition;
    private final Collaborators c;
    private final Consumer<PartitionConsumer> onExit;
    private volatile boolean stopRequested;
    private volatile boolean lost;
    /** Envelopes at the old end of the inflight list that an earlier owner may have stored already. */
    private volatile long leftovers;
    /** A stored batch that the committer could not publish and acknowledge: the next take does. */
    private int toAck;

    private List<byte[]> toPublish = List.of();

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
            leftovers = c.retrier().call(c.redisOutage(), () -> c.queue().inflightLength(partition), () -> !lost);
            while (isActive()) {
                Taken taken = c.retrier()
                        .call(
                                c.redisOutage(),
                                () -> c.queue().publishAckAndTake(partition, c.batchSize(), toAck, toPublish),
                                () -> !lost);
                // Published either way; acknowledged only if the lease was still ours.
                toPublish = List.of();
                if (!(taken instanceof Taken.Batch batch)) {
                    lostBeforeAck();
                    continue;
                }
                toAck = 0;
                if (!batch.envelopes().isEmpty()) {
                    switch (c.committer().consume(this, batch.envelopes())) {
                        case BatchCommitter.Handback.Unpublished unpublished -> {
                            toAck = unpublished.toAck();
                            toPublish = unpublished.toPublish();
                            continue;
                        }
                        case BatchCommitter.Handback.LeaseLost leaseLost -> {
                            lost = true;
                            log.info("Partition {}: lease lost", partition);
                            continue;
                        }
                        case BatchCommitter.Handback.Drained drained -> {}
                    }
                }
                // Nothing left to take: block until an envelope arrives.
                if (isActive()) {
                    c.retrier()
                            .call(
                                    c.redisOutage(),
                                    () -> {
                                        c.queue().awaitEnvelope(partition, AWAIT);
                                        return null;
                                    },
                                    this::isActive);
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

    /**
     * Whether a batch of {@code size} just taken holds no leftovers (so none of it can be stored yet), counting the
     * leftovers off; called by whoever handles the batch, once per batch, in order.
     */
    boolean freshBatch(int size) {
        boolean fresh = leftovers == 0;
        leftovers = Math.max(0, leftovers - size);
        return fresh;
    }

    private void lostBeforeAck() {
        if (toAck > 0) {
            log.warn("Partition {}: lease lost before the batch was acknowledged; its next owner redoes it", partition);
        }
        lost = true;
    }

    private void finish() {
        try {
            if (toAck > 0) {
                // The last batch is stored but not yet published and acknowledged: no take follows to carry them.
                // Without the lease it is still published (once, best effort); its next owner acknowledges it.
                Taken none = c.retrier()
                        .call(
                                c.redisOutage(),
                                () -> c.queue().publishAckAndTake(partition, 0, lost ? 0 : toAck, toPublish),
                                () -> !lost);
                if (none instanceof Taken.NotOurLease) {
                    lostBeforeAck();
                }
            }
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
