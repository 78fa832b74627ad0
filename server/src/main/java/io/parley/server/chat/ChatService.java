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
import io.parley.server.store.MessageStore;
import io.parley.server.store.RoomStore;
import io.parley.server.ws.ClosingHandshake;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * What each client frame does: membership, sending, history, typing and presence. Called on the connection's event
 * loop; blocking work goes to {@link Blocking} and results hop back to the loop before touching connection state.
 */
public final class ChatService {
    private final RoomStore rooms;
    private final MessageStore messages;
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
            MessageStore messages,
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
        this.messages = Objects.requireNonNull(messages, "messages");
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
                    list.forEach(room -> c.rooms().add(room.name()));
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
            case ClientFrame.Send s -> send(c, s);
            case ClientFrame.Edit e ->
                change(c, e.ref(), LogEntries.Change.edit(e.room(), e.id(), e.body(), e.clientMsgId()));
            case ClientFrame.Delete d ->
                change(c, d.ref(), LogEntries.Change.delete(d.room(), d.id(), d.clientMsgId()));
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
                    if (c.rooms().add(j.room())) {
                        hub.listen(c, j.room());
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

    private void send(Connection c, ClientFrame.Send s) {
        if (!c.rooms().contains(s.room())) {
            // Not subscribed here: either an error, or a membership made elsewhere that has not reached us yet.
            requireMember(c, s.ref(), s.room(), () -> send(c, s));
            return;
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
    }

    /** Edit or delete: checked against the database, then queued like a send. */
    private void change(Connection c, String ref, LogEntries.Change change) {
        if (!c.rooms().contains(change.room())) {
            requireMember(c, ref, change.room(), () -> change(c, ref, change));
            return;
        }
        onLoop(c, ref, blocking.call(() -> logEntries.check(c.principal(), change, false)), checked -> {
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
                    return messages.history(access.roomId(), h.room(), h.query());
                }),
                page -> c.send(new ServerFrame.History(h.ref(), h.room(), page.messages(), page.hasMore())));
    }

    private void typing(Connection c, ClientFrame.Typing t) {
        if (!c.rooms().contains(t.room())) {
            requireMember(c, t.ref(), t.room(), () -> typing(c, t));
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
    private void requireMember(Connection c, String ref, String room, Runnable retry) {
        onLoop(
                c,
                ref,
                blocking.call(() -> rooms.access(room, c.principal().userId()).requireMember(room)),
                a -> {
                    if (c.rooms().add(room)) {
                        hub.listen(c, room);
                    }
                    retry.run();
                });
    }

    /** Continues on the connection's loop with the result, or answers the failure as an error frame. */
    private <T> void onLoop(Connection c, String ref, CompletableFuture<T> work, Consumer<T> then) {
        work.whenComplete((result, failure) -> c.execute(() -> {
            if (!c.isOpen()) {
                return;
            }
            if (failure != null) {
                error(c, ref, Failures.toApi(failure));
            } else {
                then.accept(result);
            }
        }));
    }

    public void error(Connection c, String ref, ApiException e) {
        metrics.error(e.code());
        c.send(new ServerFrame.Error(ref, e.code(), e.getMessage()));
    }
}
