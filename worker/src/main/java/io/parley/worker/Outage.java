package io.parley.worker;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a dependency (Redis, MySQL) is failing, shared by every thread of the process so that an outage is logged
 * once when it starts and once when it ends, however many attempts fail in between.
 */
final class Outage {
    private static final Logger log = LoggerFactory.getLogger(Outage.class);

    private final String dependency;
    private final AtomicLong downSinceMs = new AtomicLong();
    private final AtomicLong failedAttempts = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong outages = new AtomicLong();

    Outage(String dependency) {
        this.dependency = requireNonNull(dependency, "dependency");
    }

    void failed(Exception e) {
        failedAttempts.incrementAndGet();
        failures.incrementAndGet();
        if (downSinceMs.compareAndSet(0, System.currentTimeMillis())) {
            outages.incrementAndGet();
            log.warn("{} is failing, retrying with backoff until it recovers: {}", dependency, describe(e));
        } else {
            log.debug("{} still failing: {}", dependency, describe(e));
        }
    }

    void succeeded() {
        long since = downSinceMs.get();
        if (since != 0 && downSinceMs.compareAndSet(since, 0)) {
            log.info(
                    "{} is back after {} ms ({} failed attempts)",
                    dependency,
                    System.currentTimeMillis() - since,
                    failedAttempts.getAndSet(0));
        }
    }

    String dependency() {
        return dependency;
    }

    /** Failed attempts since the start (each one retried). */
    long failures() {
        return failures.get();
    }

    /** Outages since the start. */
    long outages() {
        return outages.get();
    }

    boolean isDown() {
        return downSinceMs.get() != 0;
    }

    private static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(e.toString());
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            text.append(" <- ").append(cause);
        }
        return text.toString();
    }
}
