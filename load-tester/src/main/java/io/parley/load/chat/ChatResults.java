package io.parley.load.chat;

import io.parley.load.net.Targets;
import io.parley.load.stats.CpuMeter;
import io.parley.load.stats.LatencySummary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Turns what a chat run counted into its {@link ChatResult}: the audit of every message, per-room and per-receiver
 * figures, latency summaries, the generator's own cost, warnings, and whether the run passed.
 */
final class ChatResults {
    /** Schedule lag p99 above which the generator counts as a bottleneck. */
    private static final double LATE_LAG_MS = 10;

    private final ChatPlan plan;
    private final ChatRun.Settings settings;
    private final Targets targets;
    private final String transportName;
    private final MessageIds ids;

    ChatResults(ChatPlan plan, ChatRun.Settings settings, Targets targets, String transportName, MessageIds ids) {
        this.plan = Objects.requireNonNull(plan, "plan");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.targets = Objects.requireNonNull(targets, "targets");
        this.transportName = Objects.requireNonNull(transportName, "transportName");
        this.ids = Objects.requireNonNull(ids, "ids");
    }

    ChatResult build(ChatCounters c, List<ChatReceiver> receivers, CpuMeter cpu, double cpuMax, double window) {
        c.ackLatency.roll();
        c.deliveryLatency.roll();
        c.scheduleLag.roll();
        DeliveryAudit audit = DeliveryAudit.of(c);
        long[] ackedPerRoom = new long[plan.rooms()];
        for (int r = 0; r < plan.rooms(); r++) {
            ackedPerRoom[r] = c.ackedPerRoom[r].sum();
        }
        long receiversWithLoss = 0;
        for (int k = 0; k < receivers.size(); k++) {
            long expected = 0;
            int user = plan.userOf(k);
            for (int j = 0; j < plan.roomsPerUser(); j++) {
                expected += ackedPerRoom[plan.roomOf(user, j)];
            }
            if (receivers.get(k).delivered() < expected) {
                receiversWithLoss++;
            }
        }
        long duplicated = c.duplicates.sum() + audit.overDelivered();
        long rateLimited = c.errors.get("rate_limited");
        ChatResult.Counts counts = new ChatResult.Counts(
                plan.totalMessages(),
                c.sent.sum(),
                c.acked.sum(),
                c.failed.sum(),
                rateLimited,
                audit.unanswered(),
                c.expected.sum(),
                c.delivered.sum(),
                audit.lost(),
                duplicated,
                c.outOfOrder.sum(),
                c.seqMismatches.sum(),
                audit.senderOrderViolations(),
                audit.deliveredUnacked(),
                audit.deliveredAfterError(),
                c.foreign.sum(),
                c.strayAcks.sum(),
                receiversWithLoss);
        LatencySummary lag = LatencySummary.of(c.scheduleLag.cumulative());
        double cpuAvg = cpu.averageCores();
        boolean late = lag.p99Ms() > LATE_LAG_MS;
        List<String> warnings = new ArrayList<>();
        if (late) {
            warnings.add(String.format(
                    Locale.ROOT,
                    "the generator ran late (schedule lag p99 %.1f ms, max %.1f ms): "
                            + "it was a bottleneck, so the offered rate was not met evenly",
                    lag.p99Ms(),
                    lag.maxMs()));
        }
        if (cpuAvg > 0.8 * cpu.cores()) {
            warnings.add(String.format(Locale.ROOT, "the generator used %.2f of %d cores", cpuAvg, cpu.cores()));
        }
        if (rateLimited > 0) {
            warnings.add(rateLimited + " sends were rate_limited: use more senders or raise the server's limit");
        }
        if (audit.unanswered() > 0) {
            warnings.add(audit.unanswered() + " sends got neither ack nor error within the grace period");
        }
        boolean ok = audit.lost() == 0
                && duplicated == 0
                && c.outOfOrder.sum() == 0
                && c.seqMismatches.sum() == 0
                && audit.senderOrderViolations() == 0
                && audit.deliveredAfterError() == 0;
        List<ChatResult.RoomCounts> rooms = new ArrayList<>();
        for (int r = 0; r < plan.rooms(); r++) {
            rooms.add(new ChatResult.RoomCounts(
                    plan.roomName(r),
                    c.subscribers[r],
                    ackedPerRoom[r],
                    c.deliveredPerRoom[r].sum(),
                    audit.lostPerRoom()[r],
                    c.duplicatesPerRoom[r].sum(),
                    c.outOfOrderPerRoom[r].sum()));
        }
        return new ChatResult(
                settings.scenario(),
                config(),
                counts,
                c.errors.snapshot(),
                c.disconnects.snapshot(),
                LatencySummary.of(c.ackLatency.cumulative()),
                LatencySummary.of(c.deliveryLatency.cumulative()),
                lag,
                new ChatResult.Rates(
                        round(window), plan.rate(), round(c.acked.sum() / window), round(c.delivered.sum() / window)),
                new ChatResult.Generator(
                        transportName,
                        settings.threads(),
                        plan.connections(),
                        cpu.cores(),
                        round(cpuAvg),
                        round(cpuMax),
                        lag.p99Ms(),
                        lag.maxMs(),
                        late),
                rooms,
                warnings,
                ok);
    }

    private Map<String, Object> config() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("targets", targets.all().stream().map(Object::toString).toList());
        config.put("users", plan.users());
        config.put("connectionsPerUser", plan.connectionsPerUser());
        config.put("connections", plan.connections());
        config.put("rooms", plan.rooms());
        config.put("roomsPerUser", plan.roomsPerUser());
        config.put("senders", plan.senders());
        config.put("rate", plan.rate());
        config.put("durationSeconds", plan.durationSeconds());
        config.put("bodyChars", plan.bodyChars());
        config.put("graceSeconds", settings.grace().toSeconds());
        config.put("warmupSeconds", settings.warmup().toMillis() / 1000.0);
        config.put("runTag", ids.tag());
        return config;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
