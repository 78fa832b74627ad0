package io.parley.server;

import io.parley.infra.EmbeddedDatabase;
import io.parley.infra.Env;
import io.parley.protocol.Json;
import io.parley.protocol.RedisKeys;
import io.parley.server.auth.LocalLoginThrottle;
import io.parley.server.bus.EmbeddedProducer;
import io.parley.server.bus.LocalBus;
import io.parley.server.chat.LocalPresence;
import io.parley.server.config.ServerConfig;
import io.parley.server.metrics.Metrics;
import io.parley.server.moderation.LocalClusterView;
import io.parley.worker.Worker;
import io.parley.worker.WorkerMain;
import io.parley.worker.WorkerParts;
import io.parley.worker.config.WorkerConfig;
import io.parley.worker.queue.EmbeddedQueue;
import io.parley.worker.queue.EnvelopeDecoder;
import io.parley.worker.queue.LocalLeases;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root of standalone mode: one process that is a server and a worker on embedded parts (H2 under
 * {@code PARLEY_DATA_DIR}, the embedded queue, in-process pub/sub, presence and login throttle). Nothing here
 * touches MySQL, Redis or nginx.
 */
public final class Standalone implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Standalone.class);
    /** Sends and events waiting for the queue writer or the pub/sub thread; past it, refused or dropped. */
    private static final int QUEUE_CAPACITY = 100_000;

    private static final String SECRET_FILE = "jwt-secret";

    private final EmbeddedDatabase database;
    private final EmbeddedQueue queue;
    private final Worker worker;
    private final ServerMain server;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Standalone(EmbeddedDatabase database, EmbeddedQueue queue, Worker worker, ServerMain server) {
        this.database = database;
        this.queue = queue;
        this.worker = worker;
        this.server = server;
    }

    /** Runs standalone mode until SIGTERM; a data directory that cannot be used ends it with one line and exit 1. */
    static void main(Env system) {
        Standalone standalone;
        try {
            standalone = start(system);
        } catch (EmbeddedDatabase.DataDirException | IllegalArgumentException e) {
            System.err.println("parley: " + e.getMessage());
            System.exit(1);
            return;
        } catch (Exception e) {
            System.err.println("parley: cannot start: " + e);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(standalone::close, "parley-shutdown"));
    }

    /** Starts everything on the data directory named by {@code PARLEY_DATA_DIR} (default {@code ./data}). */
    public static Standalone start(Env system) throws Exception {
        Path dataDir = Path.of(system.string("PARLEY_DATA_DIR", "data"));
        EmbeddedDatabase database =
                EmbeddedDatabase.open(dataDir, 4 * Runtime.getRuntime().availableProcessors() + 8);
        try {
            Env env = withSecret(system, database.directory());
            ServerConfig config = ServerConfig.fromEnv(env);
            WorkerConfig workerConfig = WorkerConfig.fromEnv(env);
            var mapper = Json.newMapper();
            var keys = new RedisKeys(config.redis().prefix());
            var bus = new LocalBus(QUEUE_CAPACITY);
            var queue = new EmbeddedQueue(
                    database.dataSource(),
                    config.queuePartitions(),
                    QUEUE_CAPACITY,
                    bus::publish,
                    new EnvelopeDecoder(mapper));
            Worker worker = WorkerMain.start(
                    workerConfig,
                    new WorkerParts(
                            database.dataSource(),
                            queue,
                            new LocalLeases(workerConfig.workerId()),
                            "embedded queue",
                            "embedded database",
                            List.of()));
            ServerParts parts = new ServerParts(
                    database.dataSource(),
                    0,
                    new EmbeddedProducer(queue, mapper, config.queuePartitions()),
                    bus,
                    bus,
                    new LocalLoginThrottle(config.loginAttemptsPerMinute(), System::currentTimeMillis),
                    (events, rooms, codec, localUsers) -> new LocalPresence(events, keys, codec),
                    () -> true,
                    metrics -> {
                        metrics.gauge(
                                "parley_queue_pending",
                                "Sends waiting to be committed to the embedded queue",
                                queue::pending);
                        // The embedded queue does not tell taken from waiting: everything not yet stored is depth.
                        metrics.queueLengths(
                                () -> new Metrics.QueueLengths(queue.depths(), new long[config.queuePartitions()]));
                        metrics.gauge(
                                "parley_pubsub_pending",
                                "Published frames not yet handed to the fan-out",
                                bus::pending);
                    },
                    new LocalClusterView(workerConfig.workerId(), queue::depths),
                    List.of());
            ServerMain server;
            try {
                server = ServerMain.start(config, parts);
            } catch (Exception e) {
                worker.close();
                queue.close();
                throw e;
            }
            log.info("Parley standalone: http://127.0.0.1:{} (data in {})", server.port(), database.directory());
            return new Standalone(database, queue, worker, server);
        } catch (Exception e) {
            database.close();
            throw e;
        }
    }

    /**
     * Without {@code PARLEY_JWT_SECRET} (or {@code SECRET_KEY}), a random secret kept in the data directory: tokens
     * survive restarts, and nobody can forge them with the well-known development secret.
     */
    private static Env withSecret(Env system, Path dataDir) throws IOException {
        if (system.first(null, "PARLEY_JWT_SECRET", "SECRET_KEY") != null) {
            return system;
        }
        Path file = dataDir.resolve(SECRET_FILE);
        if (!Files.exists(file)) {
            byte[] random = new byte[48];
            new SecureRandom().nextBytes(random);
            Path temp = Files.createTempFile(
                    dataDir,
                    SECRET_FILE,
                    ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temp, Base64.getUrlEncoder().withoutPadding().encodeToString(random));
            Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        return system.with(
                "PARLEY_JWT_SECRET",
                Files.readString(file, StandardCharsets.UTF_8).trim());
    }

    public int port() {
        return server.port();
    }

    /** The embedded database, for tools that act on it in this process (tests making an admin). */
    public javax.sql.DataSource dataSource() {
        return database.dataSource();
    }

    /** Closes connections (1001), commits what senders wait for, finishes the worker's batches, closes the database. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.close();
        queue.close();
        worker.close();
        database.close();
    }
}
