package io.parley.load.report;

import java.io.PrintStream;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Prints one progress line per second on stderr from a supplier, on its own daemon thread. */
public final class ProgressPrinter implements AutoCloseable {
    private final ScheduledExecutorService timer;
    private final long startNanos = System.nanoTime();

    public ProgressPrinter(PrintStream out, Supplier<String> line) {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(line, "line");
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "progress");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(
                () -> {
                    try {
                        out.printf("[%4ds] %s%n", Math.round((System.nanoTime() - startNanos) / 1e9), line.get());
                    } catch (RuntimeException e) {
                        out.println("progress: " + e);
                    }
                },
                1,
                1,
                TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
