package io.parley.worker;

import io.parley.protocol.QueueEnvelope;
import io.parley.worker.queue.EnvelopeDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** One partition's turn in the committer's rounds: its current batch and who to hand the partition back to. */
final class Cycle {
    final PartitionConsumer consumer;
    final CompletableFuture<BatchCommitter.Handback> done = new CompletableFuture<>();
    List<String> raw;
    List<QueueEnvelope> envelopes;
    boolean fresh;
    List<byte[]> frames;
    /** Rounds in a row that found nothing to take. */
    int idleRounds;

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
