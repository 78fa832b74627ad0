package io.parley.worker.queue;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** What one publish-acknowledge-and-take of a partition answered. */
public sealed interface Taken {
    /** The next envelopes of the partition, oldest first; empty when there is nothing to do. */
    record Batch(List<String> envelopes) implements Taken {
        public Batch {
            envelopes = List.copyOf(requireNonNull(envelopes, "envelopes"));
        }
    }

    /** This worker does not hold the partition's lease: nothing was acknowledged or taken (though published). */
    record NotOurLease() implements Taken {}

    /**
     * Only among the answers of {@link WorkQueue#publishAckAndTakeAll}: this one step did not run (say, Redis lost its
     * scripts) while the others did.
     */
    record Failed(RuntimeException cause) implements Taken {
        public Failed {
            requireNonNull(cause, "cause");
        }
    }
}
