package io.parley.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import io.parley.infra.Databases;
import io.parley.infra.Env;
import io.parley.infra.Logs;
import io.parley.infra.RedisClient;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.Json;
import io.parley.protocol.RedisKeys;
import io.parley.worker.bus.MessageFrames;
import io.parley.worker.config.WorkerConfig;
import io.parley.worker.queue.EnvelopeDecoder;
import io.parley.worker.queue.PartitionLeases;
import io.parley.worker.queue.PartitionQueue;
import io.parley.worker.store.MessageBatchWriter;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The worker process: reads its configuration, applies migrations, wires the worker and runs it until SIGTERM. */
public final class WorkerMain {
    private static final Logger log = LoggerFactory.getLogger(WorkerMain.class);
    /** /healthz fails when the loop has not been healthy for this long (it checks in at least every second). */
    private static final Duration HEALTHY_WITHIN = Duration.ofSeconds(15);
    /** Longer than the 1 s blocking wait for envelopes (which runs under it), short enough to notice a dead Redis. */
    private static final Duration REDIS_SOCKET_TIMEOUT = Duration.ofSeconds(5);

    private WorkerMain() {}

    public static void main(String[] args) {
        Logs.checkFormat(Env.system()); // thrown, not logged: with an unknown format nothing would be printed
        WorkerConfig config;
        try {
            config = WorkerConfig.fromEnv(Env.system());
        } catch (IllegalArgumentException e) {
            log.error("Invalid configuration: {}", e.getMessage());
            System.exit(2);
            return;
        }
        Logs.instance(config.workerId());
        log.info("Starting with {}", config);
        Worker worker = start(config);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            worker.close();
                            System.out.flush();
                            System.err.flush();
                            // SIGTERM would otherwise end the JVM with 143; a clean stop (batch finished, leases
                            // released) is 0.
                            Runtime.getRuntime().halt(0);
                        },
                        "parley-shutdown"));
    }

    /** Wires and starts a worker exactly as the process runs one; closing it closes its pools too. */
    static Worker start(WorkerConfig config) {
        Logs.instance(config.workerId());
        Outage dbOutage = new Outage("MySQL");
        if (config.migrate()) {
            new Retrier()
                    .call(
                            dbOutage,
                            () -> {
                                Databases.migrate(config.database());
                                return null;
                            },
                            () -> true);
        }
        HikariDataSource dataSource = Databases.open(config.database(), "parley-worker");
        // One connection per consumer (one per partition at most), the coordinator's and the committer's.
        RedisClient redis = RedisClient.open(config.redis(), config.partitions() + 2, REDIS_SOCKET_TIMEOUT);
        RedisKeys keys = new RedisKeys(config.redis().prefix(), config.redis().cluster());
        return start(
                config,
                new WorkerParts(
                        dataSource,
                        new PartitionQueue(redis, keys, config.workerId()),
                        new PartitionLeases(redis, keys, config.workerId(), config.leaseMs()),
                        "Redis",
                        "MySQL",
                        List.of(dataSource, redis)));
    }

    /** Wires and starts a worker on {@code parts} (standalone mode's embedded ones); closing it closes them too. */
    public static Worker start(WorkerConfig config, WorkerParts parts) {
        Outage redisOutage = new Outage(parts.queueName());
        Outage dbOutage = new Outage(parts.databaseName());
        Retrier retrier = new Retrier();
        ObjectMapper mapper = Json.newMapper();
        RedisKeys keys = new RedisKeys(config.redis().prefix(), config.redis().cluster());
        Metrics metrics = new Metrics();
        BatchCommitter committer = new BatchCommitter(
                parts.dataSource(),
                new MessageBatchWriter(),
                parts.queue(),
                new EnvelopeDecoder(mapper),
                new MessageFrames(keys, new FrameCodec(mapper)),
                dbOutage,
                redisOutage,
                metrics,
                config.batchSize(),
                config.workerId());
        committer.start();
        PartitionConsumer.Collaborators collaborators = new PartitionConsumer.Collaborators(
                parts.queue(), parts.leases(), committer, retrier, redisOutage, config.batchSize());
        HealthFile health = new HealthFile(config.healthFile());
        PartitionCoordinator coordinator = new PartitionCoordinator(
                parts.leases(),
                config.partitions(),
                (partition, onExit) -> {
                    metrics.leaseAcquired(); // a consumer starts only once its lease is ours
                    return new PartitionConsumer(partition, collaborators, ended -> {
                        metrics.leaseEnded(ended.isLost());
                        onExit.accept(ended);
                    });
                },
                redisOutage,
                dbOutage,
                health);
        metrics.partitionsHeld(() -> coordinator.partitions().size());
        metrics.outages(List.of(redisOutage, dbOutage));
        BooleanSupplier healthy = () -> health.healthyWithin(HEALTHY_WITHIN);
        metrics.healthy(healthy);
        List<AutoCloseable> resources = new ArrayList<>();
        if (config.httpPort() != 0) {
            try {
                resources.add(new WorkerHttp(config.httpPort(), metrics.registry(), healthy, config.workerId()));
            } catch (IOException e) {
                // Storing messages matters more than being observed: several workers on one host share the default.
                log.error(
                        "PARLEY_WORKER_HTTP_PORT: cannot listen on {} (expected: a free port, or 0 for none); "
                                + "running without /metrics and /healthz: {}",
                        config.httpPort(),
                        e.toString());
            }
        }
        resources.addAll(parts.resources());
        resources.add(committer);
        // Renew five times per lease period (at least every second), so a lease survives four missed ticks, and a
        // dead worker's expired lease is noticed within a fifth of a period.
        long tickMs = Math.min(1000, config.leaseMs() / 5);
        // Closed in reverse order: the committer after every consumer has ended, the pools after it.
        Worker worker = new Worker(config.workerId(), coordinator, metrics, tickMs, resources);
        worker.start();
        return worker;
    }
}
