package io.parley.worker;

import io.parley.infra.Retry;
import java.util.function.BooleanSupplier;

/**
 * Runs an operation of the worker until it succeeds, with the shared {@link Retry} loop, reporting failures to the
 * dependency's {@link Outage}. Gives up with {@link Abandoned} only when the caller says so.
 */
final class Retrier {
    static final long INITIAL_BACKOFF_MS = 100;
    /**
     * At most a second between attempts: work resumes within about a second of Redis or the database coming back,
     * and one attempt per second per partition costs a recovering dependency nothing.
     */
    static final long MAX_BACKOFF_MS = 1_000;

    private final Retry retry = new Retry(INITIAL_BACKOFF_MS, MAX_BACKOFF_MS);

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
    <T> T call(Outage outage, Retry.Attempt<T> attempt, BooleanSupplier keepTrying) {
        try {
            T result = retry.until(attempt, (e, n, delayMs) -> outage.failed(e), keepTrying);
            outage.succeeded();
            return result;
        } catch (Retry.GaveUp e) {
            throw new Abandoned("gave up retrying");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Abandoned("interrupted");
        }
    }
}
