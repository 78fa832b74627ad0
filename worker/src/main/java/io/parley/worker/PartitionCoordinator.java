package io.parley.worker;

import static java.util.Objects.requireNonNull;

import io.parley.worker.queue.Leases;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which partitions this worker consumes. Every tick it heartbeats, renews its leases, and moves towards its
 * fair share of ceil(partitions / live workers): it asks extra consumers to stop after their current batch, and
 * takes free partitions while it has fewer. A partition is never consumed twice here: a new consumer for it starts
 * only after the previous one has ended.
 */
final class PartitionCoordinator {
    private static final Logger log = LoggerFactory.getLogger(PartitionCoordinator.class);

    private final Leases leases;
    private final int partitions;
    private final BiFunction<Integer, Consumer<PartitionConsumer>, PartitionConsumer> consumerFactory;
    private final Outage redisOutage;
    private final Outage dbOutage;
    private final HealthFile healthFile;
    private final int firstPreferred;
    private final ConcurrentHashMap<Integer, PartitionConsumer> consumers = new ConcurrentHashMap<>();
    private final ExecutorService threads;
    private volatile boolean closing;

    PartitionCoordinator(
            Leases leases,
            int partitions,
            BiFunction<Integer, Consumer<PartitionConsumer>, PartitionConsumer> consumerFactory,
            Outage redisOutage,
            Outage dbOutage,
            HealthFile healthFile) {
        this.leases = requireNonNull(leases, "leases");
        this.consumerFactory = requireNonNull(consumerFactory, "consumerFactory");
        this.redisOutage = requireNonNull(redisOutage, "redisOutage");
        this.dbOutage = requireNonNull(dbOutage, "dbOutage");
        this.healthFile = requireNonNull(healthFile, "healthFile");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions: " + partitions + " (expected: >= 1)");
        }
        this.partitions = partitions;
        // Workers start their search at different partitions, so that they rarely race for the same lease.
        this.firstPreferred = Math.floorMod(leases.workerId().hashCode(), partitions);
        this.threads = Executors.newThreadPerTaskExecutor(Thread.ofPlatform()
                .name("parley-" + leases.workerId() + "-partition-", 0)
                .factory());
    }

    /** The partitions this worker is consuming now (including ones finishing their last batch). */
    Set<Integer> partitions() {
        return new TreeSet<>(consumers.keySet());
    }

    /** One round of heartbeat, renewal and rebalancing; never throws, so the schedule keeps running. */
    void tick() {
        if (closing) {
            return;
        }
        try {
            long liveWorkers = leases.heartbeat();
            renewLeases();
            rebalance((int) Math.ceilDiv(partitions, liveWorkers));
            redisOutage.succeeded();
            if (!dbOutage.isDown()) {
                healthFile.touch();
            }
        } catch (redis.clients.jedis.exceptions.JedisException e) {
            redisOutage.failed(e);
        } catch (RuntimeException e) {
            log.error("Partition coordination failed; retrying on the next tick", e);
        }
    }

    private void renewLeases() {
        List<Integer> held = consumers.values().stream()
                .filter(c -> !c.isLost())
                .map(PartitionConsumer::partition)
                .toList();
        for (int p : leases.renew(held)) {
            PartitionConsumer consumer = consumers.get(p);
            if (consumer != null) {
                log.warn("Lost the lease of partition {}; stopping its consumer", p);
                consumer.markLost();
            }
        }
    }

    private void rebalance(int share) {
        List<PartitionConsumer> active = consumers.values().stream()
                .filter(PartitionConsumer::isActive)
                .sorted(Comparator.comparingInt(c -> preference(c.partition())))
                .toList();
        if (active.size() > share) {
            for (PartitionConsumer extra : active.subList(share, active.size())) {
                log.info("Handing partition {} over: fair share is now {}", extra.partition(), share);
                extra.requestStop();
            }
            return;
        }
        if (consumers.size() >= share || closing) {
            return;
        }
        List<Integer> free = leases.free(partitions).stream()
                .sorted(Comparator.comparingInt(this::preference))
                .toList();
        for (int p : free) {
            if (consumers.size() >= share || closing) {
                return;
            }
            if (!consumers.containsKey(p) && leases.tryAcquire(p)) {
                start(p);
            }
        }
    }

    private void start(int partition) {
        PartitionConsumer consumer =
                consumerFactory.apply(partition, ended -> consumers.remove(ended.partition(), ended));
        consumers.put(partition, consumer);
        threads.execute(consumer);
    }

    private int preference(int partition) {
        return Math.floorMod(partition - firstPreferred, partitions);
    }

    /**
     * Stops taking partitions, lets every consumer finish its batch and release its lease within {@code graceMs},
     * then interrupts the rest (their leases run out), and leaves the live set.
     */
    void close(long graceMs) throws InterruptedException {
        closing = true;
        consumers.values().forEach(PartitionConsumer::requestStop);
        threads.shutdown();
        if (!threads.awaitTermination(graceMs, TimeUnit.MILLISECONDS)) {
            log.warn(
                    "Consumers of partitions {} did not finish within {} ms; interrupting them", partitions(), graceMs);
            threads.shutdownNow();
            threads.awaitTermination(2, TimeUnit.SECONDS);
        }
        try {
            leases.leave();
        } catch (RuntimeException e) {
            log.info("Could not leave the live worker set ({}); the heartbeat expires by itself", e.toString());
        }
    }
}
