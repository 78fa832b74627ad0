package io.parley.server.store;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps reads off a read replica for a pause after it failed, then lets one read at a time try it again, so that a
 * replica that is down costs one request the pool's short timeout per pause instead of every request. Logs once when
 * the replica goes away and once when it is back.
 */
final class ReplicaBreaker {
    private static final Logger log = LoggerFactory.getLogger(ReplicaBreaker.class);

    private final long pauseNanos;
    private final LongSupplier nanoClock;
    private final AtomicLong retryAt = new AtomicLong();
    private volatile boolean open;

    ReplicaBreaker(long pauseMillis, LongSupplier nanoClock) {
        this.pauseNanos = TimeUnit.MILLISECONDS.toNanos(pauseMillis);
        this.nanoClock = nanoClock;
    }

    /** Whether this read may go to the replica: always while it works; after a failure, one read per pause. */
    boolean allows() {
        if (!open) {
            return true;
        }
        long at = retryAt.get();
        long now = nanoClock.getAsLong();
        return now - at >= 0 && retryAt.compareAndSet(at, now + pauseNanos);
    }

    void failed(Exception e) {
        retryAt.set(nanoClock.getAsLong() + pauseNanos);
        if (!open) {
            open = true;
            log.warn(
                    "Read replica failed ({}); history and room listings read from the primary, retrying every {} ms",
                    e.toString(),
                    TimeUnit.NANOSECONDS.toMillis(pauseNanos));
        }
    }

    void succeeded() {
        if (open) {
            open = false;
            log.info("Read replica answers again; history and room listings read from it");
        }
    }

    boolean isOpen() {
        return open;
    }
}
