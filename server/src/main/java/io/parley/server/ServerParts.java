package io.parley.server;

import static java.util.Objects.requireNonNull;

import io.parley.protocol.FrameCodec;
import io.parley.server.auth.LoginAttempts;
import io.parley.server.auth.Principal;
import io.parley.server.bus.MessageQueue;
import io.parley.server.bus.Publisher;
import io.parley.server.bus.Subscriber;
import io.parley.server.chat.Presence;
import io.parley.server.metrics.Metrics;
import io.parley.server.moderation.ClusterView;
import io.parley.server.store.RoomStore;
import java.util.Collection;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * The parts a server runs on, chosen by the composition root: Redis and MySQL ({@link RedisParts}) or the embedded
 * ones of standalone mode. Everything else in the server is the same code on both.
 *
 * @param node       this process's node number for message ids (0-1023)
 * @param busUp      whether the queue and pub/sub answer now (readiness)
 * @param instruments registers the part-specific metrics
 * @param cluster    the replicas, workers and queue as the admin overview shows them
 * @param resources  closed by the server in reverse order, after its own
 */
public record ServerParts(
        DataSource dataSource,
        long node,
        MessageQueue queue,
        Publisher publisher,
        Subscriber subscriber,
        LoginAttempts logins,
        PresenceFactory presence,
        BooleanSupplier busUp,
        Consumer<Metrics> instruments,
        ClusterView cluster,
        List<AutoCloseable> resources) {

    /** Builds the presence part once the hub it reports on exists. */
    @FunctionalInterface
    public interface PresenceFactory {
        Presence create(
                Publisher events, RoomStore rooms, FrameCodec codec, Supplier<Collection<Principal>> localUsers);
    }

    public ServerParts {
        requireNonNull(dataSource, "dataSource");
        requireNonNull(queue, "queue");
        requireNonNull(publisher, "publisher");
        requireNonNull(subscriber, "subscriber");
        requireNonNull(logins, "logins");
        requireNonNull(presence, "presence");
        requireNonNull(busUp, "busUp");
        requireNonNull(instruments, "instruments");
        requireNonNull(cluster, "cluster");
        resources = List.copyOf(resources);
        if (node < 0 || node > 1023) {
            throw new IllegalArgumentException("node: " + node + " (expected: 0-1023)");
        }
    }
}
