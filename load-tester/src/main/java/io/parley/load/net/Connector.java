package io.parley.load.net;

import io.parley.load.stats.CodeCounts;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/**
 * Opens many connections at a bounded rate with a bounded number of handshakes in flight, so neither the server's
 * accept queue nor its auth executor is flooded, and counts why the failed ones failed.
 */
public final class Connector {
    /** Notified after each connection settles. */
    @FunctionalInterface
    public interface Progress {
        void settled(int opened, int failed);
    }

    private final double ratePerSecond;
    private final int maxInFlight;

    public Connector(double ratePerSecond, int maxInFlight) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("connect-rate: " + ratePerSecond + " (expected: > 0)");
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("max-in-flight: " + maxInFlight + " (expected: >= 1)");
        }
        this.ratePerSecond = ratePerSecond;
        this.maxInFlight = maxInFlight;
    }

    /** Starts {@code count} connections ({@code starter} starts number k) and waits until each is ready or failed. */
    public List<Connection> open(
            int from,
            int count,
            IntFunction<Connection> starter,
            CodeCounts failures,
            Progress progress,
            long timeoutNanos)
            throws InterruptedException {
        Objects.requireNonNull(starter, "starter");
        Semaphore inFlight = new Semaphore(maxInFlight);
        List<Connection> connections = new ArrayList<>(count);
        int[] tally = new int[2];
        Object lock = new Object();
        long period = (long) (1e9 / ratePerSecond);
        long start = System.nanoTime();
        long deadline = start + timeoutNanos;
        for (int k = 0; k < count; k++) {
            long due = start + k * period;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            if (!inFlight.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                break;
            }
            Connection c = starter.apply(from + k);
            connections.add(c);
            c.ready().whenComplete((ready, error) -> {
                inFlight.release();
                synchronized (lock) {
                    if (error == null) {
                        tally[0]++;
                    } else {
                        tally[1]++;
                        failures.add(ConnectFailure.reasonOf(error));
                    }
                    progress.settled(tally[0], tally[1]);
                }
            });
        }
        for (Connection c : connections) {
            long left = deadline - System.nanoTime();
            try {
                c.ready().get(Math.max(1, left), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                // counted by the callback
            } catch (java.util.concurrent.TimeoutException e) {
                c.ready().completeExceptionally(new ConnectFailure("timeout", "not ready before the deadline"));
                c.close();
            }
        }
        return connections;
    }

    /** Closes every connection and waits, up to {@code timeoutNanos}, until the ones that were open are gone. */
    public static void closeAll(List<Connection> connections, long timeoutNanos) {
        connections.forEach(Connection::close);
        long deadline = System.nanoTime() + timeoutNanos;
        for (Connection c : connections) {
            if (c.channel() == null || !c.channel().isRegistered()) {
                continue;
            }
            try {
                c.channel().closeFuture().await(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
