package io.parley.worker;

import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Counts batches and messages and logs a one-line summary per period; no endpoint, the log is the interface. */
final class Metrics {
    private static final Logger log = LoggerFactory.getLogger(Metrics.class);

    private final LongAdder batches = new LongAdder();
    private final LongAdder envelopes = new LongAdder();
    private final LongAdder stored = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder dropped = new LongAdder();

    void recordBatch(int envelopeCount, int storedCount, int duplicateCount, int droppedCount) {
        batches.increment();
        envelopes.add(envelopeCount);
        stored.add(storedCount);
        duplicates.add(duplicateCount);
        dropped.add(droppedCount);
    }

    /** Logs what happened since the previous call and starts counting afresh. */
    void logAndReset(String period, Object partitions) {
        long b = batches.sumThenReset();
        long e = envelopes.sumThenReset();
        log.info("Last {}: {} batches, {} stored, {} duplicates, {} dropped, avg batch size {}; partitions {}", period, b,
                stored.sumThenReset(), duplicates.sumThenReset(), dropped.sumThenReset(),
                b == 0 ? "0" : String.format(java.util.Locale.ROOT, "%.1f", (double) e / b), partitions);
    }
}
