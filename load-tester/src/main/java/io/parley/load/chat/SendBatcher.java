package io.parley.load.chat;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.parley.load.net.Connection;
import io.parley.load.schedule.OpenLoopSchedule;
import io.parley.load.schedule.SendLoop;
import io.parley.protocol.ClientFrame;
import io.parley.protocol.FrameCodec;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The chat run's send sink: groups the messages that fall due together by the event loop of their sender and hands
 * each group over as one task, which encodes, writes and flushes them there. One wake-up per loop and batch instead
 * of one per message keeps the generator's own cost down, and encoding is spread over the event-loop threads.
 */
final class SendBatcher implements SendLoop.Sink {
    private final ChatPlan plan;
    private final OpenLoopSchedule schedule;
    private final List<Connection> connections;
    private final ChatCounters counters;
    private final FrameCodec codec;
    private final MessageIds ids;
    private final String[] roomNames;
    private final String padding;
    /** Touched only by the schedule thread. */
    private final Map<EventLoop, long[]> pending = new HashMap<>();

    private final Map<EventLoop, Integer> sizes = new HashMap<>();

    SendBatcher(
            ChatPlan plan,
            OpenLoopSchedule schedule,
            List<Connection> connections,
            ChatCounters counters,
            FrameCodec codec,
            MessageIds ids) {
        this.plan = Objects.requireNonNull(plan, "plan");
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.connections = List.copyOf(connections);
        this.counters = Objects.requireNonNull(counters, "counters");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.ids = Objects.requireNonNull(ids, "ids");
        this.roomNames = new String[plan.rooms()];
        for (int r = 0; r < plan.rooms(); r++) {
            roomNames[r] = plan.roomName(r);
        }
        this.padding = "x".repeat(plan.bodyChars());
    }

    @Override
    public void send(long index, long intendedNanos, long actualNanos) {
        Connection c = connections.get(plan.senderOf(index));
        Channel ch = c.channel();
        if (ch == null || !c.isOpen()) {
            counters.onUnsendable((int) index, actualNanos);
            return;
        }
        EventLoop loop = ch.eventLoop();
        long[] batch = pending.get(loop);
        int size = sizes.getOrDefault(loop, 0);
        if (batch == null || batch.length == size) {
            long[] grown = new long[Math.max(16, size * 2)];
            if (batch != null) {
                System.arraycopy(batch, 0, grown, 0, size);
            }
            batch = grown;
            pending.put(loop, batch);
        }
        batch[size] = index;
        sizes.put(loop, size + 1);
    }

    @Override
    public void endOfBatch() {
        for (Map.Entry<EventLoop, long[]> e : pending.entrySet()) {
            int size = sizes.getOrDefault(e.getKey(), 0);
            if (size == 0) {
                continue;
            }
            long[] batch = java.util.Arrays.copyOf(e.getValue(), size);
            sizes.put(e.getKey(), 0);
            e.getKey().execute(() -> write(batch));
        }
    }

    /** On the event loop: encode, write, then flush every channel touched once. */
    private void write(long[] batch) {
        Set<Channel> touched = new HashSet<>();
        for (long i : batch) {
            Connection c = connections.get(plan.senderOf(i));
            Channel ch = c.channel();
            if (!c.isOpen()) {
                counters.onUnsendable((int) i, System.nanoTime());
                continue;
            }
            int room = plan.roomOfMessage(i);
            byte[] frame =
                    codec.encodeClient(new ClientFrame.Send(ids.ref(i), roomNames[room], body(i), ids.clientMsgId(i)));
            long now = System.nanoTime();
            // Lateness as written, not as scheduled: a busy event loop makes the generator late too.
            if (counters.measured(i)) {
                counters.scheduleLag.recordNanos(Math.max(0, now - schedule.intendedNanos(i)));
            }
            counters.onSent((int) i, now);
            ch.write(new TextWebSocketFrame(Unpooled.wrappedBuffer(frame)), ch.voidPromise());
            touched.add(ch);
        }
        for (Channel ch : touched) {
            ch.flush();
        }
    }

    private String body(long i) {
        String head = "m" + i + " ";
        return head + padding.substring(0, Math.max(0, plan.bodyChars() - head.length()));
    }
}
