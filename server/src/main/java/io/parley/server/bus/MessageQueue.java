package io.parley.server.bus;

import io.parley.protocol.QueueEnvelope;
import java.util.function.BiConsumer;

/** Where accepted messages wait for a worker: Redis lists ({@link QueueProducer}) or the embedded queue. */
public interface MessageQueue {
    /**
     * Queues an envelope; {@code done} gets the id to acknowledge (the envelope's, or the original one of a retried
     * clientMsgId) once the envelope cannot be lost, or the failure. Called in order per connection, completed in order.
     */
    void enqueue(QueueEnvelope envelope, BiConsumer<String, Throwable> done);
}
