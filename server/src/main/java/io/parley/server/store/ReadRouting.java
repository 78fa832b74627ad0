package io.parley.server.store;

import io.parley.protocol.HistoryQuery;
import io.parley.protocol.Room;
import io.parley.protocol.ServerFrame;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * Sends history pages and the room directory to the read replica when it answers them as the primary would, and to
 * the primary when the replica is behind for that read, down, or not configured: replica lag never shows as a gap,
 * and a replica failure never as an error. The rules are in docs/SCALING.md ("Read replicas").
 */
public final class ReadRouting {
    /** Where a read went and why, for the {@code parley_db_reads} metric. */
    public enum Route {
        REPLICA("replica", "current"),
        PRIMARY_REPLICA_BEHIND("primary", "replica_behind"),
        PRIMARY_REPLICA_DOWN("primary", "replica_down"),
        PRIMARY_ONLY("primary", "no_replica");

        private final String pool;
        private final String reason;

        Route(String pool, String reason) {
            this.pool = pool;
            this.reason = reason;
        }

        public String pool() {
            return pool;
        }

        public String reason() {
            return reason;
        }
    }

    /** The stores on the replica's pool, and the breaker that keeps reads off it after a failure. */
    public static final class Replica {
        private final MessageStore messages;
        private final RoomStore rooms;
        private final ReplicaBreaker breaker;

        /** The replica's stores; after a failure one read tries it again every {@code retryMillis}. */
        public Replica(MessageStore messages, RoomStore rooms, long retryMillis) {
            this.messages = Objects.requireNonNull(messages, "messages");
            this.rooms = Objects.requireNonNull(rooms, "rooms");
            this.breaker = new ReplicaBreaker(retryMillis, System::nanoTime);
        }

        public boolean up() {
            return !breaker.isOpen();
        }

        /**
         * The replica's page if it is the primary's, else empty. One statement: one snapshot on one replica, whatever
         * balances the connections, and no query beyond the page itself.
         */
        Optional<MessageStore.Page> page(RoomStore.Access access, String room, HistoryQuery q) throws SQLException {
            MessageStore.Page page = messages.history(access.roomId(), room, q);
            List<ServerFrame.Message> rows = page.messages();
            long lastSeqShown = rows.isEmpty() ? -1 : rows.get(rows.size() - 1).seq();
            return PageCoverage.exact(q, lastSeqShown, page.hasMore(), access.lastSeq())
                    ? Optional.of(page)
                    : Optional.empty();
        }
    }

    private final MessageStore primaryMessages;
    private final RoomStore primaryRooms;
    private final Optional<Replica> replica;
    private final ToLongFunction<String> fannedOut;
    private final Consumer<Route> routes;

    /**
     * @param fannedOut the last seq this server fanned out of a room, -1 when it does not know (LocalHub)
     * @param routes    told where each read went
     */
    public ReadRouting(
            MessageStore primaryMessages,
            RoomStore primaryRooms,
            Optional<Replica> replica,
            ToLongFunction<String> fannedOut,
            Consumer<Route> routes) {
        this.primaryMessages = Objects.requireNonNull(primaryMessages, "primaryMessages");
        this.primaryRooms = Objects.requireNonNull(primaryRooms, "primaryRooms");
        this.replica = Objects.requireNonNull(replica, "replica");
        this.fannedOut = Objects.requireNonNull(fannedOut, "fannedOut");
        this.routes = Objects.requireNonNull(routes, "routes");
    }

    /**
     * A history page of a room the caller was just authorised for on the primary; {@code access.lastSeq()} is the
     * primary's last seq at that moment, at or above every seq fanned out before the request.
     */
    public MessageStore.Page history(RoomStore.Access access, String room, HistoryQuery q) throws SQLException {
        Read<MessageStore.Page> fromPrimary = () -> primaryMessages.history(access.roomId(), room, q);
        if (replica.isEmpty()) {
            return primary(Route.PRIMARY_ONLY, fromPrimary);
        }
        Replica r = replica.get();
        if (!r.breaker.allows()) {
            return primary(Route.PRIMARY_REPLICA_DOWN, fromPrimary);
        }
        Optional<MessageStore.Page> page;
        try {
            page = r.page(access, room, q);
            r.breaker.succeeded();
        } catch (SQLException e) {
            r.breaker.failed(e);
            return primary(Route.PRIMARY_REPLICA_DOWN, fromPrimary);
        }
        if (page.isPresent()) {
            routes.accept(Route.REPLICA);
            return page.get();
        }
        return primary(Route.PRIMARY_REPLICA_BEHIND, fromPrimary);
    }

    /**
     * A page of the room directory. The replica's page is taken unless it shows a room with a last seq below one this
     * server has already fanned out (it is behind); it may otherwise trail the primary by the replication lag (a room
     * created within the lag missing, a lower {@code lastSeq}): nothing catches up from the directory.
     */
    public RoomStore.Page rooms(String after, int limit, long userId) throws SQLException {
        Read<RoomStore.Page> fromPrimary = () -> primaryRooms.page(after, limit, userId);
        if (replica.isEmpty()) {
            return primary(Route.PRIMARY_ONLY, fromPrimary);
        }
        Replica r = replica.get();
        if (!r.breaker.allows()) {
            return primary(Route.PRIMARY_REPLICA_DOWN, fromPrimary);
        }
        RoomStore.Page page;
        try {
            page = r.rooms.page(after, limit, userId);
            r.breaker.succeeded();
        } catch (SQLException e) {
            r.breaker.failed(e);
            return primary(Route.PRIMARY_REPLICA_DOWN, fromPrimary);
        }
        for (Room room : page.rooms()) {
            if (fannedOut.applyAsLong(room.name()) > room.lastSeq()) {
                return primary(Route.PRIMARY_REPLICA_BEHIND, fromPrimary);
            }
        }
        routes.accept(Route.REPLICA);
        return page;
    }

    private <T> T primary(Route route, Read<T> read) throws SQLException {
        routes.accept(route);
        return read.get();
    }

    @FunctionalInterface
    private interface Read<T> {
        T get() throws SQLException;
    }
}
