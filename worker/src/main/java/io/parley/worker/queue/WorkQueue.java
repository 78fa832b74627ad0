package io.parley.worker.queue;

import java.time.Duration;
import java.util.List;

/**
 * One worker's view of the partitioned queue: Redis lists ({@link PartitionQueue}) or the embedded queue. Envelopes
 * move from a partition's queue to its inflight part; a batch is always the oldest inflight envelopes, so leftovers
 * come first and in order, and acknowledging a batch removes exactly those envelopes.
 */
public interface WorkQueue {
    /** One {@link #take(int, int, int, List)} among several run together by {@link #takeAll}. */
    record Take(int partition, int max, int ackCount, List<byte[]> publish) {
    }

    /** What one take of {@link #takeAll} answered: its batch (null without the lease), or why it failed. */
    record Taken(List<String> batch, RuntimeException failure) {
    }

    /**
     * The oldest envelopes of the partition, oldest first, at most {@code max}: leftovers in the inflight list before
     * anything new. Empty when there is nothing to do; null when this worker does not hold the partition's lease.
     */
    default List<String> take(int partition, int max) {
        return take(partition, max, 0, List.of());
    }

    /**
     * Publishes {@code publish} (channel and frame, alternating, in order), acknowledges the previous batch of
     * {@code ackCount} envelopes and takes the next one, as {@link #take(int, int)}. With {@code max} 0 it only
     * publishes and acknowledges, answering an empty list. Null (and nothing acknowledged or taken, though
     * published) when this worker does not hold the partition's lease.
     */
    List<String> take(int partition, int max, int ackCount, List<byte[]> publish);

    /** Runs {@code takes}, answering each in order. Throws when they failed as a whole; then some may have run. */
    List<Taken> takeAll(List<Take> takes);

    /** Blocks until an envelope arrives in the partition's queue or the timeout passes. */
    void awaitEnvelope(int partition, Duration timeout);

    /**
     * How many envelopes the inflight part holds. Asked once when this worker starts consuming a partition, these are
     * the only envelopes that an earlier owner may already have stored.
     */
    long inflightLength(int partition);

    /** Removes a handled batch of {@code count} envelopes; false (and nothing removed) when the lease is not ours. */
    boolean ack(int partition, int count);
}
