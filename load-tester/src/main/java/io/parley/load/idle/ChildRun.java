package io.parley.load.idle;

import io.parley.load.net.Connector;
import io.parley.load.report.JsonReport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** The child side of a multi-process {@code connections} run: open a slice, report, hold until told to finish. */
public final class ChildRun {
    private final IdleFleet fleet;
    private final JsonReport json;
    private final PrintStream stdout;
    private final InputStream stdin;

    public ChildRun(IdleFleet fleet, JsonReport json, PrintStream stdout, InputStream stdin) {
        this.fleet = Objects.requireNonNull(fleet, "fleet");
        this.json = Objects.requireNonNull(json, "json");
        this.stdout = Objects.requireNonNull(stdout, "stdout");
        this.stdin = Objects.requireNonNull(stdin, "stdin");
    }

    public void run(
            int from, int count, Connector connector, long timeoutNanos, Path resultFile, Map<String, Object> config)
            throws InterruptedException, IOException {
        fleet.open(from, count, connector, timeoutNanos);
        line(ChildProcess.CONNECTED + " " + fleet.opened() + " " + fleet.failed());
        ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor();
        long[] last = {-1};
        reporter.scheduleWithFixedDelay(
                () -> {
                    long n = fleet.received();
                    if (n != last[0]) {
                        last[0] = n;
                        line(ChildProcess.RECEIVED + " " + n);
                    }
                },
                100,
                100,
                TimeUnit.MILLISECONDS);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8))) {
            String l;
            while ((l = in.readLine()) != null && !l.trim().equals(ChildProcess.FINISH)) {
                // the parent only ever says FINISH; end of input means it is gone
            }
        } finally {
            reporter.shutdownNow();
            reporter.awaitTermination(2, TimeUnit.SECONDS);
        }
        ConnectionsResult result = ConnectionsResults.share(fleet, fleet.stillOpen(), config);
        fleet.close();
        json.write(resultFile, result);
    }

    private synchronized void line(String text) {
        stdout.println(text);
        stdout.flush();
    }
}
