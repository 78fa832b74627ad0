package io.parley.load.idle;

import io.parley.load.net.Targets;
import io.parley.load.stats.CodeCounts;
import io.parley.load.stats.CpuMeter;
import io.parley.load.stats.HistogramCodec;
import io.parley.load.stats.LatencySummary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.HdrHistogram.Histogram;

/** Builds {@code connections} results: one process's share, and the merge of every share with the servers' memory. */
final class ConnectionsResults {
    private final ConnectionsRun.Settings settings;
    private final Targets targets;
    private final int userCount;

    ConnectionsResults(ConnectionsRun.Settings settings, Targets targets, int userCount) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.targets = Objects.requireNonNull(targets, "targets");
        this.userCount = userCount;
    }

    /** The share of one process, before merging. */
    static ConnectionsResult share(IdleFleet fleet, long stillOpen, Map<String, Object> config) {
        return new ConnectionsResult(
                "connections",
                config,
                fleet.connections().size(),
                fleet.opened(),
                fleet.failed(),
                fleet.failures().snapshot(),
                fleet.closes().snapshot(),
                stillOpen,
                fleet.received(),
                0,
                LatencySummary.of(fleet.connectLatency()),
                fleet.connectSeconds(),
                List.of(),
                0,
                1,
                new CpuMeter().averageCores(),
                List.of(),
                true);
    }

    ConnectionsResult merge(
            List<ConnectionsResult> parts,
            Map<Long, Long> before,
            Map<Long, Long> after,
            double cpuCores,
            String marker) {
        long requested = settings.connections();
        long opened = 0;
        long failed = 0;
        long stillOpen = 0;
        long received = 0;
        double connectSeconds = 0;
        CodeCounts failures = new CodeCounts();
        CodeCounts closes = new CodeCounts();
        List<Histogram> latencies = new ArrayList<>();
        for (ConnectionsResult p : parts) {
            opened += p.opened();
            failed += p.failed();
            stillOpen += p.stillOpen();
            received += p.received();
            connectSeconds = Math.max(connectSeconds, p.connectSeconds());
            failures.addAll(p.failures());
            closes.addAll(p.closedWhileHeld());
            latencies.add(HistogramCodec.decode(p.connectLatency().histogram()));
        }
        List<ConnectionsResult.ServerMemory> servers = new ArrayList<>();
        long deltaKiB = 0;
        for (Map.Entry<Long, Long> e : before.entrySet()) {
            Long a = after.get(e.getKey());
            if (a != null) {
                servers.add(new ConnectionsResult.ServerMemory(e.getKey(), e.getValue(), a));
                deltaKiB += a - e.getValue();
            }
        }
        double perConnection = servers.isEmpty() || opened == 0 ? 0 : Math.round(deltaKiB * 1024.0 / opened);
        long missing = Math.max(0, opened - received);
        List<String> warnings = new ArrayList<>();
        if (failed > 0) {
            warnings.add(failed + " connections failed: " + failures.snapshot());
        }
        if (missing > 0) {
            warnings.add(missing + " open connections did not receive the broadcast");
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("targets", targets.all().stream().map(Object::toString).toList());
        config.put("connections", requested);
        config.put("users", userCount);
        config.put("procs", settings.procs());
        config.put("room", settings.room());
        config.put("holdSeconds", settings.hold().toSeconds());
        config.put("connectRate", settings.connectRate());
        config.put("sourceAddresses", settings.sources().enabled());
        config.put("marker", marker);
        return new ConnectionsResult(
                "connections",
                config,
                requested,
                opened,
                failed,
                failures.snapshot(),
                closes.snapshot(),
                stillOpen,
                received,
                missing,
                LatencySummary.of(HistogramCodec.merge(latencies)),
                connectSeconds,
                servers,
                perConnection,
                parts.size(),
                Math.round(cpuCores * 100) / 100.0,
                warnings,
                failed == 0 && missing == 0 && opened == requested);
    }
}
