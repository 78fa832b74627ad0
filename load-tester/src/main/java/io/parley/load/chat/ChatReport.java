package io.parley.load.chat;

import io.parley.load.report.Table;
import io.parley.load.stats.LatencySummary;
import java.io.PrintStream;

/** Prints a chat result as the human-readable table at the end of a run. */
public final class ChatReport {
    private ChatReport() {}

    public static void print(ChatResult r, PrintStream out) {
        ChatResult.Counts c = r.counts();
        Table t = new Table()
                .section(r.scenario() + " run " + r.config().get("runTag") + ": " + (r.ok() ? "OK" : "FAILED"))
                .row("targets", r.config().get("targets"))
                .row(
                        "users x conns/user",
                        r.config().get("users") + " x " + r.config().get("connectionsPerUser"))
                .row(
                        "rooms (per user)",
                        r.config().get("rooms") + " (" + r.config().get("roomsPerUser") + ")")
                .row(
                        "offered rate",
                        r.rates().offeredPerSecond() + " msg/s over "
                                + r.rates().sendWindowSeconds() + " s")
                .row("latency warm-up left out", r.config().get("warmupSeconds") + " s")
                .section("Counts")
                .row("sent", c.sent())
                .row("acked", c.acked())
                .row("failed (errors)", c.failed())
                .row("rate_limited", c.rateLimited())
                .row("unanswered", c.unanswered())
                .row("expected deliveries", c.expectedDeliveries())
                .row("delivered", c.delivered())
                .row("lost", c.lost())
                .row("duplicated", c.duplicated())
                .row("out of order", c.outOfOrder())
                .row("seq mismatches", c.seqMismatches())
                .row("sender order violations", c.senderOrderViolations())
                .row("receivers with loss", c.receiversWithLoss())
                .row("errors by code", r.errors())
                .row("disconnects by code", r.disconnects())
                .section("Rates")
                .row("acked msg/s", r.rates().ackedPerSecond())
                .row("deliveries/s", r.rates().deliveredPerSecond())
                .section("Latency (ms)       p50 / p90 / p99 / p99.9 / max")
                .row("send -> ack", line(r.sendToAck()))
                .row("send -> delivery", line(r.sendToDelivery()))
                .row("schedule lag", line(r.scheduleLag()))
                .section("Generator")
                .row(
                        "transport / threads",
                        r.generator().transport() + " / " + r.generator().threads())
                .row(
                        "cpu cores avg / max",
                        r.generator().cpuCoresAverage() + " / " + r.generator().cpuCoresMax() + " of "
                                + r.generator().cores());
        t.print(out);
        for (String w : r.warnings()) {
            out.println("WARNING: " + w);
        }
    }

    static String line(LatencySummary s) {
        return s.p50Ms() + " / " + s.p90Ms() + " / " + s.p99Ms() + " / " + s.p999Ms() + " / " + s.maxMs() + "  (n="
                + s.count() + ")";
    }
}
