package io.parley.infra;

import static java.util.Objects.requireNonNull;

import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a step that needs Redis or the database until it succeeds, waiting with capped exponential {@link Backoff}
 * between attempts: the one retry loop of server and worker.
 */
public final class Retry {
    private static final Logger log = LoggerFactory.getLogger(Retry.class);
    private static final long START_UP_INITIAL_MS = 200;
    private static final long START_UP_MAX_MS = 5_000;

    /** One attempt; any exception counts as a failure of the dependency. */
    @FunctionalInterface
    public interface Attempt<T> {
        T run() throws Exception;
    }

    /** One attempt without a result. */
    @FunctionalInterface
    public interface VoidAttempt {
        void run() throws Exception;
    }

    /** Told of every failed attempt (counted from 1), before the wait of {@code delayMs} that follows it. */
    @FunctionalInterface
    public interface Failures {
        void failed(Exception e, int attempt, long delayMs);
    }

    /** The caller said to stop trying after a failed attempt, which is the cause. */
    public static final class GaveUp extends RuntimeException {
        GaveUp(Exception lastFailure) {
            super("gave up retrying", lastFailure);
        }
    }

    private final long initialMs;
    private final long maxMs;

    public Retry(long initialMs, long maxMs) {
        new Backoff(initialMs, maxMs); // rejects a bad range here rather than at the first failure
        this.initialMs = initialMs;
        this.maxMs = maxMs;
    }

    /**
     * The result of the first successful attempt. {@code keepTrying} is asked after each failure: false ends with
     * {@link GaveUp}; the thread's interrupt ends the wait with {@link InterruptedException}.
     */
    public <T> T until(Attempt<T> attempt, Failures failures, BooleanSupplier keepTrying) throws InterruptedException {
        requireNonNull(attempt, "attempt");
        requireNonNull(failures, "failures");
        requireNonNull(keepTrying, "keepTrying");
        Backoff backoff = new Backoff(initialMs, maxMs);
        for (int n = 1; ; n++) {
            try {
                return attempt.run();
            } catch (Exception e) {
                long delayMs = backoff.nextDelayMs();
                failures.failed(e, n, delayMs);
                if (!keepTrying.getAsBoolean()) {
                    throw new GaveUp(e);
                }
                Thread.sleep(delayMs);
            }
        }
    }

    /** A start-up step (schema, node number): retried for as long as it takes, each failure logged with its purpose. */
    public static <T> T startUp(String what, Attempt<T> step) throws InterruptedException {
        return new Retry(START_UP_INITIAL_MS, START_UP_MAX_MS)
                .until(
                        step,
                        (e, attempt, delayMs) -> log.warn(
                                "Could not {} (attempt {}), retrying in {} ms: {}",
                                what,
                                attempt,
                                delayMs,
                                e.toString()),
                        () -> true);
    }

    /** As {@link #startUp(String, Attempt)} for a step without a result. */
    public static void startUp(String what, VoidAttempt step) throws InterruptedException {
        startUp(what, () -> {
            step.run();
            return null;
        });
    }
}
