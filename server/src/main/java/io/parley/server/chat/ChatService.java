package io.parley.server.chat;

import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.parley.protocol.ClientFrame;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.MembershipChange;
import io.parley.protocol.QueueEnvelope;
import io.parley.protocol.RedisKeys;
import io.parley.protocol.Room;
import io.parley.protocol.RoomCursor;
import io.parley.protocol.ServerFrame;
import io.parley.server.ApiException;
import io.parley.server.Blocking;
import io.parley.server.Failures;
import io.parley.server.bus.MessageIds;
import io.parley.server.bus.MessageQueue;
import io.parley.server.bus.Publisher;
import io.parley.server.metrics.Metrics;
import io.parley.server.store.ReadRouting;
import io.parley.server.store.RoomStore;
import io.parley.server.ws.ClosingHandshake;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What each client frame does: membership, sending, history, typing and presence. Called on the connection's event
 * loop; blocking work goes to {@link Blocking} and results hop back to the loop before touching connection state.
 */
public final class ChatService {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    private final RoomStore rooms;
    private final ReadRouting reads;
    private final MessageQueue producer;
    private final Publisher events;
    private final Presence presence;
    private final LocalHub hub;
    private final Blocking blocking;
    private final MessageIds ids;
    private final FrameCodec codec;
    private final RedisKeys keys;
    private final Metrics metrics;
    private final String serverId;
    private final LogEntries logEntries;

    public ChatService(
            RoomStore rooms,
            ReadRouting reads,
            MessageQueue producer,
            Publisher events,
            Presence presence,
            LocalHub hub,
            Blocking blocking,
            MessageIds ids,
            FrameCodec codec,
            RedisKeys keys,
            Metrics metrics,
            String serverId,
            LogEntries logEntries) {
        this.rooms = Objects.requireNonNull(rooms, "rooms");
        this.reads = Objects.requireNonNull(reads, "reads");
        this.producer = Objects.requireNonNull(producer, "producer");
        this.events = Objects.requireNonNull(events, "events");
        this.presence = Objects.requireNonNull(presence, "presence");
        this.hub = Objects.requireNonNull(hub, "hub");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
        this.ids = Objects.requireNonNull(ids, "ids");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.serverId = Objects.requireNonNull(serverId, "serverId");
        this.logEntries = Objects.requireNonNull(logEntries, "logEntries");
    }

    /** A connection finished its handshake: load its rooms, subscribe them, then say {@code ready}. */
    public void open(Connection c) {
        metrics.connectionOpened();
        blocking.call(() -> rooms.roomsOf(c.principal().userId()))
                .whenComplete((list, failure) -> c.execute(() -> {
                    if (!c.isOpen()) {
                        return;
                    }
                    if (failure != null) {
                        ApiException e = Failures.toApi(failure);
                        c.send(new ServerFrame.Error(null, e.code(), e.getMessage()));
                        ClosingHandshake.close(c.channel(), WebSocketCloseStatus.TRY_AGAIN_LATER.code(), "unavailable");
                        return;
                    }
                    list.forEach(room -> c.rooms().add(LocalHub.roomName(room.name())));
                    c.markRegistered();
                    if (hub.register(c)) {
                        presence.arrived(c.principal(), c.rooms());
                    }
                    List<RoomCursor> cursors = list.stream()
                            .map(r -> new RoomCursor(r.name(), r.lastSeq()))
                            .toList();
                    c.send(new ServerFrame.Ready(c.principal().toUser(), cursors, serverId));
                }));
    }

    /** The channel closed; runs on its event loop. */
    public void closed(Connection c) {
        c.markClosed();
        if (c.registered() && hub.unregister(c)) {
            presence.departed(c.principal(), c.rooms());
        }
    }

    public void handle(Connection c, ClientFrame frame) {
        switch (frame) {
            case ClientFrame.Join j -> join(c, j);
            case ClientFrame.Leave l -> leave(c, l);
            case ClientFrame.Send s -> inOrder(c, () -> send(c, s));
            case ClientFrame.Edit e ->
                inOrder(
                        c,
                        () -> change(c, e.ref(), LogEntries.Change.edit(e.room(), e.id(), e.body(), e.clientMsgId())));
            case ClientFrame.Delete d ->
                inOrder(c, () -> change(c, d.ref(), LogEntries.Change.delete(d.room(), d.id(), d.clientMsgId())));
            case ClientFrame.History h -> history(c, h);
            case ClientFrame.Typing t -> typing(c, t);
            case ClientFrame.Presence p -> presence(c, p);
            case ClientFrame.Ping p -> c.send(new ServerFrame.Pong(p.ref()));
        }
    }

    private void join(Connection c, ClientFrame.Join j) {
        onLoop(
                c,
                j.ref(),
                blocking.call(() -> rooms.join(j.room(), c.principal().userId())),
                result -> {
                    String room = LocalHub.roomName(j.room());
                    if (c.rooms().add(room)) {
                        hub.listen(c, room);
                    }
                    c.send(new ServerFrame.Joined(j.ref(), result.room()));
                    if (result.newMember()) {
                        publishMembership(c, true, result.room());
                    }
                });
    }

    private void leave(Connection c, ClientFrame.Leave l) {
        onLoop(
                c,
                l.ref(),
                blocking.call(() -> {
                    rooms.leave(l.room(), c.principal().userId());
                    return l.room();
                }),
                room -> {
                    if (c.rooms().remove(room)) {
                        hub.unlisten(c, room);
                    }
                    c.send(new ServerFrame.Left(l.ref(), room));
                    publishMembership(c, false, new Room(room, null, null, 0));
                });
    }

    private void publishMembership(Connection c, boolean joined, Room room) {
        String user = c.principal().username();
        events.publish(keys.userChannel(c.principal().id()), codec.write(new MembershipChange(c.id(), joined, room)));
        events.publish(
                keys.roomChannel(room.name()),
                codec.encode(new ServerFrame.Member(
                        room.name(), user, joined ? ServerFrame.Member.JOINED : ServerFrame.Member.LEFT)));
    }

    /**
     * Runs a step that queues an entry once the connection's earlier ones have reached the queue: some wait for a
     * database check first, and one connection's entries must be stored in the order it sent them (PROTOCOL.md,
     * guarantee 3). Without a check in flight the step runs at once.
     */
    private static void inOrder(Connection c, Supplier<CompletableFuture<Void>> step) {
        CompletableFuture<Void> before = c.queueOrder();
        if (before.isDone()) {
            c.queueOrder(step.get());
        } else {
            // Earlier steps complete on the connection's loop, so this one runs there too.
            c.queueOrder(before.thenCompose(v -> step.get()).handle((v, failure) -> null));
        }
    }

    /** Completes once the send is in the queue's hands (or answered). */
    private CompletableFuture<Void> send(Connection c, ClientFrame.Send s) {
        if (!c.rooms().contains(s.room())) {
            // Not subscribed here: either an error, or a membership made elsewhere that has not reached us yet.
            return requireMember(c, s.ref(), s.room(), () -> send(c, s));
        }
        long id = ids.next();
        QueueEnvelope envelope = new QueueEnvelope(
                Long.toString(id),
                s.room(),
                c.principal().id(),
                c.principal().username(),
                s.body(),
                s.clientMsgId(),
                System.currentTimeMillis());
        enqueue(c, s.ref(), id, envelope);
        return DONE;
    }

    /** Edit or delete: checked against the database, then queued like a send; completes once queued or answered. */
    private CompletableFuture<Void> change(Connection c, String ref, LogEntries.Change change) {
        if (!c.rooms().contains(change.room())) {
            return requireMember(c, ref, change.room(), () -> change(c, ref, change));
        }
        return onLoop(c, ref, blocking.call(() -> logEntries.check(c.principal(), change, false)), checked -> {
            switch (checked) {
                case LogEntries.Checked.Queue q ->
                    enqueue(c, ref, Long.parseLong(q.envelope().id()), q.envelope());
                case LogEntries.Checked.Stored stored ->
                    c.send(new ServerFrame.Ack(ref, change.room(), stored.id(), change.clientMsgId()));
            }
        });
    }

    /** Queues an accepted entry; its ack goes out before its message frame (see {@link Connection#sendPending}). */
    private void enqueue(Connection c, String ref, long id, QueueEnvelope envelope) {
        c.sendPending(id);
        long sentAt = System.nanoTime();
        metrics.send();
        producer.enqueue(
                envelope,
                (ackedId, failure) -> c.execute(() -> {
                    if (failure != null) {
                        ApiException e = Failures.toApi(failure);
                        metrics.error(e.code());
                        c.acknowledged(id, new ServerFrame.Error(ref, e.code(), e.getMessage()));
                    } else {
                        metrics.ack(sentAt);
                        c.acknowledged(id, new ServerFrame.Ack(ref, envelope.room(), ackedId, envelope.clientMsgId()));
                    }
                }));
    }

    private void history(Connection c, ClientFrame.History h) {
        onLoop(
                c,
                h.ref(),
                blocking.call(() -> {
                    RoomStore.Access access =
                            rooms.access(h.room(), c.principal().userId()).requireMember(h.room());
                    return reads.history(access, h.room(), h.query());
                }),
                page -> c.send(new ServerFrame.History(h.ref(), h.room(), page.messages(), page.hasMore())));
    }

    private void typing(Connection c, ClientFrame.Typing t) {
        if (!c.rooms().contains(t.room())) {
            requireMember(c, t.ref(), t.room(), () -> {
                typing(c, t);
                return DONE;
            });
            return;
        }
        events.publish(
                keys.roomChannel(t.room()),
                codec.encode(new ServerFrame.Typing(t.room(), c.principal().username())));
    }

    private void presence(Connection c, ClientFrame.Presence p) {
        onLoop(
                c,
                p.ref(),
                blocking.call(() -> {
                    RoomStore.Access access =
                            rooms.access(p.room(), c.principal().userId()).requireMember(p.room());
                    return presence.online(rooms.members(access.roomId()));
                }),
                online -> c.send(new ServerFrame.PresenceList(p.ref(), p.room(), online)));
    }

    /** Answers no_such_room or not_member, or, when the database says the user is a member, adopts the room. */
    /** Checks membership in the database, then retries; completes when the retry has (or the error is answered). */
    private CompletableFuture<Void> requireMember(
            Connection c, String ref, String room, Supplier<CompletableFuture<Void>> retry) {
        AtomicReference<CompletableFuture<Void>> retried = new AtomicReference<>(DONE);
        return onLoop(
                        c,
                        ref,
                        blocking.call(
                                () -> rooms.access(room, c.principal().userId()).requireMember(room)),
                        a -> {
                            if (c.rooms().add(LocalHub.roomName(room))) {
                                hub.listen(c, room);
                            }
                            retried.set(retry.get());
                        })
                .thenCompose(v -> retried.get());
    }

    /**
     * Continues on the connection's loop with the result, or answers the failure as an error frame; the answer
     * completes there once either is done.
     */
    private <T> CompletableFuture<Void> onLoop(Connection c, String ref, CompletableFuture<T> work, Consumer<T> then) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        work.whenComplete((result, failure) -> c.execute(() -> {
            try {
                if (!c.isOpen()) {
                    return;
                }
                if (failure != null) {
                    error(c, ref, Failures.toApi(failure));
                } else {
                    then.accept(result);
                }
            } finally {
                done.complete(null);
            }
        }));
        return done;
    }

    public void error(Connection c, String ref, ApiException e) {
        metrics.error(e.code());
        c.send(new ServerFrame.Error(ref, e.code(), e.getMessage()));
    }
}
