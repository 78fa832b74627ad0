package io.parley.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import io.parley.infra.Databases;
import io.parley.infra.Env;
import io.parley.infra.Logs;
import io.parley.infra.RedisPools;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.Json;
import io.parley.protocol.RedisKeys;
import io.parley.worker.bus.MessageFrames;
import io.parley.worker.config.WorkerConfig;
import io.parley.worker.queue.EnvelopeDecoder;
import io.parley.worker.queue.PartitionLeases;
import io.parley.worker.queue.PartitionQueue;
import io.parley.worker.store.MessageBatchWriter;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPool;

/** The worker process: reads its configuration, applies migrations, wires the worker and runs it until SIGTERM. */
public final class WorkerMain {
    private static final Logger log = LoggerFactory.getLogger(WorkerMain.class);
    /** Longer than the 1 s blocking wait for envelopes (which runs under it), short enough to notice a dead Redis. */
    private static final Duration REDIS_SOCKET_TIMEOUT = Duration.ofSeconds(5);

    private WorkerMain() {
    }

    public static void main(String[] args) {
        WorkerConfig config;
        try {
            Logs.checkFormat(Env.system());
            config = WorkerConfig.fromEnv(Env.system());
        } catch (IllegalArgumentException e) {
            log.error("Invalid configuration: {}", e.getMessage());
            System.exit(2);
            return;
        }
        log.info("Starting with {}", config);
        Worker worker = start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.close();
            System.out.flush();
            System.err.flush();
            // SIGTERM would otherwise end the JVM with 143; a clean stop (batch finished, leases released) is 0.
            Runtime.getRuntime().halt(0);
        }, "parley-shutdown"));
    }

    /** Wires and starts a worker exactly as the process runs one; closing it closes its pools too. */
    static Worker start(WorkerConfig config) {
        Logs.instance(config.workerId());
        Outage redisOutage = new Outage("Redis");
        Outage dbOutage = new Outage("MySQL");
        Retrier retrier = new Retrier();
        if (config.migrate()) {
            retrier.call(dbOutage, () -> {
                Databases.migrate(config.database());
                return null;
            }, () -> true);
        }
        HikariDataSource dataSource = Databases.open(config.database(), "parley-worker");
        // One connection per consumer (one per partition at most), the coordinator's and the round loop's.
        JedisPool redis = RedisPools.open(config.redis(), config.partitions() + 2, REDIS_SOCKET_TIMEOUT);
        ObjectMapper mapper = Json.newMapper();
        RedisKeys keys = new RedisKeys(config.redis().prefix());
        PartitionLeases leases = new PartitionLeases(redis, keys, config.workerId(), config.leaseMs());
        Metrics metrics = new Metrics();
        PartitionQueue queue = new PartitionQueue(redis, keys, config.workerId());
        BatchCommitter committer = new BatchCommitter(dataSource, new MessageBatchWriter(dataSource), queue,
                new EnvelopeDecoder(mapper), new MessageFrames(keys, new FrameCodec(mapper)), dbOutage, redisOutage,
                metrics, config.batchSize(), config.workerId());
        committer.start();
        PartitionConsumer.Collaborators collaborators = new PartitionConsumer.Collaborators(queue, leases, committer,
                retrier, redisOutage, config.batchSize());
        PartitionCoordinator coordinator = new PartitionCoordinator(leases, config.partitions(),
                (partition, onExit) -> new PartitionConsumer(partition, collaborators, onExit),
                redisOutage, dbOutage, new HealthFile(config.healthFile()));
        // Renew four times per lease period (at least every second), so a lease survives three missed ticks.
        long tickMs = Math.min(1000, config.leaseMs() / 4);
        // Closed in reverse order: the round loop after every consumer has ended, the pools after it.
        Worker worker = new Worker(config.workerId(), coordinator, metrics, tickMs, List.of(dataSource, redis, committer));
        worker.start();
        return worker;
    }
}
