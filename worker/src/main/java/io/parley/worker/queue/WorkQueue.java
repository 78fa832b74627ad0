package io.parley.worker.queue;

import java.time.Duration;
import java.util.List;

/**
 * One worker's view of the partitioned queue: Redis lists ({@link PartitionQueue}) or the embedded queue. Envelopes
 * move from a partition's queue to its inflight part; a batch is always the oldest inflight envelopes, so leftovers
 * come first and in order, and acknowledging a batch removes exactly those envelopes.
 */
public interface WorkQueue {
    /** One {@link #publishAckAndTake} among several run together by {@link #publishAckAndTakeAll}. */
    record Step(int partition, int max, int ackCount, List<byte[]> publish) {}

    /**
     * Publishes {@code publish} (channel and frame, alternating, in order), then, only under this worker's lease,
     * acknowledges the previous batch of {@code ackCount} envelopes and takes the next one: the oldest envelopes of the
     * partition, oldest first, at most {@code max} (leftovers in the inflight part before anything new). With
     * {@code max} 0 it only publishes and acknowledges, answering an empty batch. Never answers {@link Taken.Failed}:
     * a failure is thrown.
     */
    Taken publishAckAndTake(int partition, int max, int ackCount, List<byte[]> publish);

    /**
     * Runs {@code steps}, answering each in order ({@link Taken.Failed} for a step that alone failed). Throws when they
     * failed as a whole; then some may have run.
     */
    List<Taken> publishAckAndTakeAll(List<Step> steps);

    /** Blocks until an envelope arrives in the partition's queue or the timeout passes. */
    void awaitEnvelope(int partition, Duration timeout);

    /**
     * How many envelopes the inflight part holds. Asked once when this worker starts consuming a partition, these are
     * the only envelopes that an earlier owner may already have stored.
     */
    long inflightLength(int partition);
}
