package io.parley.worker.queue;

import java.util.Collection;
import java.util.List;
import java.util.Set;

/** Who consumes which partition: renewable leases in Redis ({@link PartitionLeases}) or the one local worker. */
public interface Leases {
    String workerId();

    /** Records this worker as alive for one lease period and answers how many workers are alive now (at least 1). */
    long heartbeat();

    /** Removes this worker from the live set, so the others take its share at once. */
    void leave();

    /** The partitions among {@code 0..partitions-1} that nobody holds a lease on. */
    List<Integer> free(int partitions);

    boolean tryAcquire(int partition);

    /** Extends every lease in {@code held} by one lease period; answers the ones this worker no longer holds. */
    Set<Integer> renew(Collection<Integer> held);

    /** Deletes the lease if this worker still holds it; answers whether it did. */
    boolean release(int partition);
}
