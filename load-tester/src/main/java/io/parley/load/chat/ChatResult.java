package io.parley.load.chat;

import io.parley.load.stats.LatencySummary;
import java.util.List;
import java.util.Map;

/** Every figure of a chat or fanout run, as printed and as written to {@code --json}. */
public record ChatResult(
        String scenario,
        Map<String, Object> config,
        Counts counts,
        Map<String, Long> errors,
        Map<String, Long> disconnects,
        LatencySummary sendToAck,
        LatencySummary sendToDelivery,
        LatencySummary scheduleLag,
        Rates rates,
        Generator generator,
        List<RoomCounts> rooms,
        List<String> warnings,
        boolean ok) {

    /** Message and delivery counts; {@code lost} and {@code duplicated} decide the exit code. */
    public record Counts(
            long planned,
            long sent,
            long acked,
            long failed,
            long rateLimited,
            long unanswered,
            long expectedDeliveries,
            long delivered,
            long lost,
            long duplicated,
            long outOfOrder,
            long seqMismatches,
            long senderOrderViolations,
            long deliveredUnacked,
            long deliveredAfterError,
            long foreign,
            long strayAcks,
            long receiversWithLoss) {}

    /** Achieved rates over the send window. */
    public record Rates(
            double sendWindowSeconds, double offeredPerSecond, double ackedPerSecond, double deliveredPerSecond) {}

    /** The load generator's own cost, to tell when it, not the server, was the limit. */
    public record Generator(
            String transport,
            int threads,
            int connections,
            int cores,
            double cpuCoresAverage,
            double cpuCoresMax,
            double lagP99Ms,
            double lagMaxMs,
            boolean bottleneck) {}

    /** Counts of one room. */
    public record RoomCounts(
            String room, int subscribers, long acked, long delivered, long lost, long duplicated, long outOfOrder) {}
}
