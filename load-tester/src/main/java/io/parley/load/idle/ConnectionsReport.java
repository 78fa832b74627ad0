package io.parley.load.idle;

import io.parley.load.report.Table;
import java.io.PrintStream;

/** Prints a connections result as the human-readable table at the end of a run. */
public final class ConnectionsReport {
    private ConnectionsReport() {}

    public static void print(ConnectionsResult r, PrintStream out) {
        Table t = new Table()
                .section("connections: " + (r.ok() ? "OK" : "FAILED"))
                .row("targets", r.config().get("targets"))
                .row("processes", r.processes())
                .row("requested", r.requested())
                .row("opened", r.opened())
                .row("failed", r.failed())
                .row("failures by reason", r.failures())
                .row("closed while held", r.closedWhileHeld())
                .row("still open at the end", r.stillOpen())
                .row("received the broadcast", r.received())
                .row("missing the broadcast", r.missing())
                .row("connect time (s)", r.connectSeconds())
                .row(
                        "connect latency p50/p99/max ms",
                        r.connectLatency().p50Ms() + " / " + r.connectLatency().p99Ms() + " / "
                                + r.connectLatency().maxMs())
                .row("generator cpu cores (parent)", r.cpuCoresAverage());
        for (ConnectionsResult.ServerMemory m : r.servers()) {
            t.row(
                    "server pid " + m.pid() + " RSS KiB",
                    m.rssBeforeKiB() + " -> " + m.rssAfterKiB() + " (+" + m.deltaKiB() + ")");
        }
        if (!r.servers().isEmpty()) {
            t.row("server bytes per connection", r.bytesPerConnection());
        }
        t.print(out);
        for (String w : r.warnings()) {
            out.println("WARNING: " + w);
        }
    }
}
