package io.parley.load.idle;

import io.parley.load.stats.LatencySummary;
import java.util.List;
import java.util.Map;

/** Every figure of a {@code connections} run (or of one child process's share of it), as written to {@code --json}. */
public record ConnectionsResult(
        String scenario,
        Map<String, Object> config,
        long requested,
        long opened,
        long failed,
        Map<String, Long> failures,
        Map<String, Long> closedWhileHeld,
        long stillOpen,
        long received,
        long missing,
        LatencySummary connectLatency,
        double connectSeconds,
        List<ServerMemory> servers,
        double bytesPerConnection,
        int processes,
        double cpuCoresAverage,
        List<String> warnings,
        boolean ok) {

    /** One server process's resident memory before and after the connections were opened. */
    public record ServerMemory(long pid, long rssBeforeKiB, long rssAfterKiB) {
        public long deltaKiB() {
            return rssAfterKiB - rssBeforeKiB;
        }
    }
}
