package io.parley.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Retries a start-up step that needs Redis or the database, with capped backoff, until it succeeds. */
final class Retry {
    private static final Logger log = LoggerFactory.getLogger(Retry.class);

    @FunctionalInterface
    interface Step<T> {
        T run() throws Exception;
    }

    @FunctionalInterface
    interface VoidStep {
        void run() throws Exception;
    }

    private Retry() {
    }

    static void until(String what, VoidStep step) throws InterruptedException {
        until(what, () -> {
            step.run();
            return null;
        });
    }

    static <T> T until(String what, Step<T> step) throws InterruptedException {
        long backoffMs = 200;
        for (int attempt = 1; ; attempt++) {
            try {
                return step.run();
            } catch (Exception e) {
                log.warn("Could not {} (attempt {}), retrying in {} ms: {}", what, attempt, backoffMs, e.toString());
                Thread.sleep(backoffMs);
                backoffMs = Math.min(backoffMs * 2, 5_000);
            }
        }
    }
}
