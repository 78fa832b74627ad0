package io.parley.server.chat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.parley.protocol.ServerFrame;
import io.parley.server.bus.MessageIds;
import io.parley.server.metrics.Metrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The broadcasts and send acks waiting for one event loop. The subscriber and Redis threads append; the loop drains
 * everything that has accumulated in one task and flushes each touched connection once, so under load many frames
 * (a connection's acks and the messages due to it) share a syscall, and many share one wake-up of the loop.
 */
final class FanOutQueue {
    /** Past this many waiting broadcasts the loop is hopelessly behind: drop (clients fill gaps from history). */
    static final int MAX_PENDING = 50_000;

    /** What waits for the loop. */
    private sealed interface Due {
        long queuedAtNanos();
    }

    private record Broadcast(ByteBuf frame, long messageId, List<Connection> targets, long queuedAtNanos)
            implements Due {}

    /** The answer to a send, for {@link Connection#acknowledged}. */
    private record Reply(Connection target, long messageId, ServerFrame reply, long queuedAtNanos) implements Due {}

    private final EventLoop loop;
    private final Metrics metrics;
    private final Queue<Due> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final List<Connection> touched = new ArrayList<>(); // loop-confined

    FanOutQueue(EventLoop loop, Metrics metrics) {
        this.loop = loop;
        this.metrics = metrics;
    }

    /** Queues a broadcast; takes over one reference of {@code frame}. */
    void add(ByteBuf frame, long messageId, List<Connection> targets) {
        if (size.incrementAndGet() > MAX_PENDING) {
            size.decrementAndGet();
            frame.release();
            metrics.fanOutDropped(targets.size());
            return;
        }
        pending.add(new Broadcast(frame, messageId, targets, System.nanoTime()));
        schedule();
    }

    /**
     * Queues the ack (or error) of a send of {@code target}, whose loop this is. Never dropped: it is what the
     * client waits for, and each is bounded by the connection's rate limit.
     */
    void acknowledge(Connection target, long messageId, ServerFrame reply) {
        pending.add(new Reply(target, messageId, reply, System.nanoTime()));
        schedule();
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            loop.execute(this::drain);
        }
    }

    private void drain() {
        Due due;
        int delivered = 0;
        int messages = 0;
        Due oldest = pending.peek();
        long nowMs = System.currentTimeMillis();
        while ((due = pending.poll()) != null) {
            switch (due) {
                case Reply r -> {
                    if (r.target().acknowledged(r.messageId(), r.reply())) {
                        touched.add(r.target());
                    }
                }
                case Broadcast b -> {
                    size.decrementAndGet();
                    deliver(b);
                    delivered += b.targets().size();
                    if (b.messageId() != 0) {
                        messages += b.targets().size();
                        metrics.delivered(nowMs - MessageIds.millisOf(b.messageId()));
                    }
                }
            }
        }
        scheduled.set(false);
        if (!pending.isEmpty()) {
            schedule();
        }
        for (Connection c : touched) {
            c.flushDelivered();
        }
        touched.clear();
        metrics.framesOut(messages, delivered - messages);
        if (oldest != null) {
            metrics.fanOutBatch(System.nanoTime() - oldest.queuedAtNanos(), delivered);
        }
    }

    private void deliver(Broadcast b) {
        try {
            for (Connection c : b.targets()) {
                if (c.deliver(b.frame().retainedDuplicate(), b.messageId())) {
                    touched.add(c);
                }
            }
        } finally {
            b.frame().release();
        }
    }
}
