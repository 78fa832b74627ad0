package io.parley.server.auth;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Failed logins per subject in this process (standalone mode), with the Redis throttle's rule: a fixed one-minute
 * window from the first failure. Bounded: the oldest windows are forgotten first.
 */
public final class LocalLoginThrottle implements LoginAttempts {
    private static final long WINDOW_MS = 60_000;
    private static final int MAX_SUBJECTS = 100_000;

    private record Window(long endsAt, int failures) {}

    private final int maxFailures;
    private final LongSupplier clock;
    private final Map<String, Window> windows = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Window> eldest) {
            return size() > MAX_SUBJECTS;
        }
    };

    public LocalLoginThrottle(int maxFailuresPerMinute, LongSupplier clock) {
        this.maxFailures = maxFailuresPerMinute;
        this.clock = clock;
    }

    @Override
    public synchronized long retryAfterMs(String subject) {
        Window w = current(subject);
        return w != null && w.failures() >= maxFailures ? Math.max(1, w.endsAt() - clock.getAsLong()) : 0;
    }

    @Override
    public synchronized void failed(String subject) {
        Window w = current(subject);
        windows.remove(subject); // re-inserted last: the map stays ordered by first failure, roughly
        windows.put(
                subject,
                w == null ? new Window(clock.getAsLong() + WINDOW_MS, 1) : new Window(w.endsAt(), w.failures() + 1));
    }

    private Window current(String subject) {
        Window w = windows.get(subject);
        if (w != null && w.endsAt() <= clock.getAsLong()) {
            windows.remove(subject);
            return null;
        }
        return w;
    }
}
