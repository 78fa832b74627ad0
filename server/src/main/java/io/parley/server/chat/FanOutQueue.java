package io.parley.server.chat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.parley.server.bus.MessageIds;
import io.parley.server.metrics.Metrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The broadcasts waiting for one event loop. The subscriber thread appends; the loop drains everything that has
 * accumulated in one task and flushes each touched connection once, so under load many messages share a syscall.
 */
final class FanOutQueue {
    /** Past this many waiting broadcasts the loop is hopelessly behind: drop (clients fill gaps from history). */
    static final int MAX_PENDING = 50_000;

    private record Broadcast(ByteBuf frame, long messageId, List<Connection> targets, long queuedAtNanos) {}

    private final EventLoop loop;
    private final Metrics metrics;
    private final Queue<Broadcast> pending = new ConcurrentLinkedQueue<>();
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
        if (scheduled.compareAndSet(false, true)) {
            loop.execute(this::drain);
        }
    }

    private void drain() {
        Broadcast b;
        int delivered = 0;
        int messages = 0;
        Broadcast oldest = pending.peek();
        long nowMs = System.currentTimeMillis();
        while ((b = pending.poll()) != null) {
            size.decrementAndGet();
            try {
                for (Connection c : b.targets()) {
                    if (c.deliver(b.frame().retainedDuplicate(), b.messageId())) {
                        touched.add(c);
                    }
                }
                delivered += b.targets().size();
                if (b.messageId() != 0) {
                    messages += b.targets().size();
                    metrics.delivered(nowMs - MessageIds.millisOf(b.messageId()));
                }
            } finally {
                b.frame().release();
            }
        }
        scheduled.set(false);
        if (!pending.isEmpty() && scheduled.compareAndSet(false, true)) {
            loop.execute(this::drain);
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
}
