package io.parley.worker;

import java.util.function.BooleanSupplier;

/**
 * Runs an operation until it succeeds, waiting with capped exponential backoff between attempts and reporting
 * failures to the dependency's {@link Outage}. Gives up with {@link Abandoned} only when the caller says so.
 */
final class Retrier {
    static final long INITIAL_BACKOFF_MS = 100;
    /**
     * At most a second between attempts: work resumes within about a second of Redis or the database coming back,
     * and one attempt per second per partition costs a recovering dependency nothing.
     */
    static final long MAX_BACKOFF_MS = 1_000;

    /** One attempt; any exception counts as a failure of the dependency. */
    @FunctionalInterface
    interface Attempt<T> {
        T run() throws Exception;
    }

    /** The caller no longer wants the result (lease lost, or shutting down); nothing was half done by us. */
    static final class Abandoned extends RuntimeException {
        Abandoned(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The result of the first successful attempt. {@code keepTrying} is asked after each failure; the thread's
     * interrupt abandons the wait as well.
     */
    <T> T call(Outage outage, Attempt<T> attempt, BooleanSupplier keepTrying) {
        Backoff backoff = new Backoff(INITIAL_BACKOFF_MS, MAX_BACKOFF_MS);
        while (true) {
            try {
                T result = attempt.run();
                outage.succeeded();
                return result;
            } catch (Exception e) {
                outage.failed(e);
            }
            if (!keepTrying.getAsBoolean()) {
                throw new Abandoned("gave up retrying");
            }
            try {
                Thread.sleep(backoff.nextDelayMs());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Abandoned("interrupted");
            }
        }
    }
}
