package io.parley.server.bus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.parley.protocol.QueueEnvelope;
import io.parley.protocol.RedisKeys;
import io.parley.worker.queue.EmbeddedQueue;
import java.util.Objects;
import java.util.function.BiConsumer;

/** Queues accepted messages on the embedded queue of standalone mode, partitioned by room as on Redis. */
public final class EmbeddedProducer implements MessageQueue {
    private final EmbeddedQueue queue;
    private final ObjectMapper mapper;
    private final int partitions;

    public EmbeddedProducer(EmbeddedQueue queue, ObjectMapper mapper, int partitions) {
        this.queue = Objects.requireNonNull(queue, "queue");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.partitions = partitions;
    }

    /** {@inheritDoc} Acknowledged once the embedded database has committed it. */
    @Override
    public void enqueue(QueueEnvelope envelope, BiConsumer<String, Throwable> done) {
        String json;
        try {
            json = mapper.writeValueAsString(envelope);
        } catch (JsonProcessingException e) {
            done.accept(null, e);
            return;
        }
        queue.append(RedisKeys.partitionOf(envelope.room(), partitions), envelope, json, done);
    }
}
