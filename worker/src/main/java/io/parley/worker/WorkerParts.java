package io.parley.worker;

import static java.util.Objects.requireNonNull;

import io.parley.worker.queue.Leases;
import io.parley.worker.queue.WorkQueue;
import java.util.List;
import javax.sql.DataSource;

/**
 * The parts a worker runs on, chosen by the composition root: Redis and MySQL, or the embedded ones of standalone
 * mode. The batch path is the same code on both.
 *
 * @param queueName    what the queue is called in outage logs ("Redis")
 * @param databaseName what the database is called in outage logs ("MySQL")
 * @param resources    closed by the worker in reverse order, after every consumer has ended
 */
public record WorkerParts(
        DataSource dataSource,
        WorkQueue queue,
        Leases leases,
        String queueName,
        String databaseName,
        List<AutoCloseable> resources) {
    public WorkerParts {
        requireNonNull(dataSource, "dataSource");
        requireNonNull(queue, "queue");
        requireNonNull(leases, "leases");
        requireNonNull(queueName, "queueName");
        requireNonNull(databaseName, "databaseName");
        resources = List.copyOf(resources);
    }
}
