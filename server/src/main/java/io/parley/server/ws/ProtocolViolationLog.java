package io.parley.server.ws;

import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs WebSocket protocol violations as one line each (no stack trace: they are the client's fault, not ours), at
 * most {@link #LINES_PER_MINUTE} a minute, so a fuzzer cannot flood the log; the next line says how many were left
 * out. Shared by every connection of a replica.
 */
public final class ProtocolViolationLog {
    static final int LINES_PER_MINUTE = 10;
    private static final Logger log = LoggerFactory.getLogger(ProtocolViolationLog.class);
    private static final long MINUTE_NANOS = 60_000_000_000L;

    private final AtomicLong windowStart = new AtomicLong(System.nanoTime());
    private final AtomicInteger logged = new AtomicInteger();
    private final AtomicInteger suppressed = new AtomicInteger();

    public void log(Channel channel, int closeCode, String what) {
        long now = System.nanoTime();
        long start = windowStart.get();
        if (now - start > MINUTE_NANOS && windowStart.compareAndSet(start, now)) {
            logged.set(0);
        }
        if (logged.incrementAndGet() > LINES_PER_MINUTE) {
            suppressed.incrementAndGet();
            return;
        }
        int left = suppressed.getAndSet(0);
        log.info(
                "WebSocket protocol violation from {}, closing with {}: {}{}",
                channel.remoteAddress(),
                closeCode,
                what,
                left > 0 ? " (" + left + " more not logged)" : "");
    }
}
