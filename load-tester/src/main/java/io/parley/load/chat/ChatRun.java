package io.parley.load.chat;

import io.parley.load.SetupException;
import io.parley.load.net.ClientTransport;
import io.parley.load.net.Connection;
import io.parley.load.net.Connector;
import io.parley.load.net.Targets;
import io.parley.load.report.ProgressPrinter;
import io.parley.load.schedule.NanoClock;
import io.parley.load.schedule.OpenLoopSchedule;
import io.parley.load.schedule.SendLoop;
import io.parley.load.stats.CodeCounts;
import io.parley.load.stats.CpuMeter;
import io.parley.load.stats.LatencySummary;
import io.parley.load.users.LoadUser;
import io.parley.protocol.ClientFrame;
import io.parley.protocol.FrameCodec;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * One chat (or fanout) run: connect every user, join the planned rooms, send on an open-loop schedule, wait a grace
 * period for stragglers, then count what was lost, duplicated or reordered.
 */
public final class ChatRun {
    /** Knobs of the run that are not part of the plan. */
    public record Settings(
            String scenario,
            Duration grace,
            Duration warmup,
            double connectRate,
            int maxInFlight,
            double joinRate,
            Duration setupTimeout,
            int threads) {}

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final ChatPlan plan;
    private final Settings settings;
    private final Targets targets;
    private final ClientTransport transport;
    private final List<LoadUser> users;
    private final FrameCodec codec;
    private final MessageIds ids;
    private final PrintStream err;

    public ChatRun(
            ChatPlan plan,
            Settings settings,
            Targets targets,
            ClientTransport transport,
            List<LoadUser> users,
            FrameCodec codec,
            MessageIds ids,
            PrintStream err) {
        this.plan = Objects.requireNonNull(plan, "plan");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.targets = Objects.requireNonNull(targets, "targets");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.users = List.copyOf(users);
        this.codec = Objects.requireNonNull(codec, "codec");
        this.ids = Objects.requireNonNull(ids, "ids");
        this.err = Objects.requireNonNull(err, "err");
        if (users.size() < plan.users()) {
            throw new IllegalArgumentException("users: " + users.size() + " (expected: " + plan.users() + ")");
        }
    }

    public ChatResult run() throws InterruptedException {
        long measureFrom = Math.min(
                plan.totalMessages(), Math.round(plan.rate() * settings.warmup().toMillis() / 1000.0));
        ChatCounters counters = new ChatCounters(plan, ids, measureFrom);
        CpuMeter cpu = new CpuMeter();
        List<ChatReceiver> receivers = new ArrayList<>(plan.connections());
        for (int k = 0; k < plan.connections(); k++) {
            receivers.add(new ChatReceiver(counters, roomNamesOf(plan.userOf(k))));
        }
        List<Connection> connections = connect(receivers);
        try {
            join(connections, counters);
            return send(connections, receivers, counters, cpu);
        } finally {
            Connector.closeAll(connections, TimeUnit.SECONDS.toNanos(10));
        }
    }

    private Set<String> roomNamesOf(int user) {
        Set<String> names = new HashSet<>();
        for (int k = 0; k < plan.roomsPerUser(); k++) {
            names.add(plan.roomName(plan.roomOf(user, k)));
        }
        return names;
    }

    // ---------------------------------------------------------------- setup

    private List<Connection> connect(List<ChatReceiver> receivers) throws InterruptedException {
        err.printf(
                "Connecting %,d connections (%d users x %d) to %s%n",
                plan.connections(), plan.users(), plan.connectionsPerUser(), targets.all());
        CodeCounts failures = new CodeCounts();
        Connector connector = new Connector(settings.connectRate(), settings.maxInFlight());
        List<Connection> connections = connector.open(
                0,
                plan.connections(),
                k -> transport.connect(
                        k, targets.forConnection(k), users.get(plan.userOf(k)).token(), null, receivers.get(k)),
                failures,
                (opened, failed) -> {},
                settings.setupTimeout().toNanos());
        if (failures.total() > 0 || connections.size() < plan.connections()) {
            connections.forEach(Connection::close);
            throw new SetupException(
                    failures.total() + " of " + plan.connections() + " connections failed: " + failures.snapshot());
        }
        return connections;
    }

    private void join(List<Connection> connections, ChatCounters counters) throws InterruptedException {
        long joins = (long) plan.users() * plan.roomsPerUser();
        long wanted = (long) plan.connections() * plan.roomsPerUser();
        err.printf("Joining: %,d joins, %d rooms of %s-*%n", joins, plan.rooms(), plan.roomPrefix());
        // At most ~15 joins per second per connection: the server's rate limit counts every frame.
        long period = (long) Math.max(1e9 / settings.joinRate(), 1e9 / (plan.users() * 15.0));
        long start = System.nanoTime();
        long n = 0;
        // Each user's joins go out round by round, so no connection bursts past the server's rate limit.
        for (int k = 0; k < plan.roomsPerUser(); k++) {
            for (int u = 0; u < plan.users(); u++) {
                LockSupport.parkNanos(start + n * period - System.nanoTime());
                int room = plan.roomOf(u, k);
                connections
                        .get(u * plan.connectionsPerUser())
                        .send(new ClientFrame.Join("j" + room, plan.roomName(room)));
                n++;
            }
        }
        long deadline = System.nanoTime() + settings.setupTimeout().toNanos();
        while (counters.subscriptions.sum() < wanted
                && counters.joinErrors.sum() == 0
                && System.nanoTime() < deadline) {
            LockSupport.parkNanos(POLL_NANOS);
        }
        if (counters.subscriptions.sum() < wanted) {
            throw new SetupException("only " + counters.subscriptions.sum() + " of " + wanted
                    + " room subscriptions confirmed; errors: " + counters.errors.snapshot());
        }
    }

    // ---------------------------------------------------------------- the run

    private ChatResult send(
            List<Connection> connections, List<ChatReceiver> receivers, ChatCounters counters, CpuMeter cpu)
            throws InterruptedException {
        long total = plan.totalMessages();
        err.printf(
                "Sending %,d messages at %,.0f/s for %.0f s (%.2f/s per sending connection, %d senders)%n",
                total, plan.rate(), plan.durationSeconds(), plan.ratePerSender(), plan.senders());
        double[] cpuMax = {0};
        Snapshot[] last = {new Snapshot(0, 0, 0)};
        counters.running = true;
        cpu.intervalCores();
        SendLoop loop;
        long sendStart;
        long sendEnd;
        try (ProgressPrinter progress = new ProgressPrinter(err, () -> progressLine(counters, cpu, cpuMax, last))) {
            sendStart = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
            OpenLoopSchedule schedule = new OpenLoopSchedule(sendStart, plan.rate(), total);
            loop = new SendLoop(
                    schedule,
                    NanoClock.SYSTEM,
                    new SendBatcher(plan, schedule, connections, counters, codec, ids),
                    lag -> {});
            long dispatched = loop.run();
            sendEnd = System.nanoTime();
            drain(counters, dispatched);
        }
        counters.running = false;
        return new ChatResults(plan, settings, targets, transport.epoll() ? "epoll" : "nio", ids)
                .build(counters, receivers, cpu, cpuMax[0], (sendEnd - sendStart) / 1e9);
    }

    /** Waits until every dispatched message was written and answered and every expected delivery came, or grace ends. */
    private void drain(ChatCounters counters, long dispatched) {
        long deadline = System.nanoTime() + settings.grace().toNanos();
        while (System.nanoTime() < deadline) {
            long sent = counters.sent.sum();
            long answered = counters.acked.sum() + counters.failed.sum();
            // The last batches may still be queued on the event loops: sent catches up with dispatched first.
            if (sent >= dispatched && answered >= sent && counters.delivered.sum() >= counters.expected.sum()) {
                return;
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
        err.printf(
                "Grace period of %d s over; counting what is missing as lost%n",
                settings.grace().toSeconds());
    }

    /** Counter values at the previous progress line, for per-second rates. */
    private record Snapshot(long sent, long acked, long delivered) {}

    private String progressLine(ChatCounters c, CpuMeter cpu, double[] cpuMax, Snapshot[] last) {
        Histogram ack = c.ackLatency.roll();
        Histogram delivery = c.deliveryLatency.roll();
        Histogram lag = c.scheduleLag.roll();
        Snapshot now = new Snapshot(c.sent.sum(), c.acked.sum(), c.delivered.sum());
        Snapshot prev = last[0];
        last[0] = now;
        double cores = cpu.intervalCores();
        cpuMax[0] = Math.max(cpuMax[0], cores);
        return String.format(
                Locale.ROOT,
                "sent/s %,d  acked/s %,d  delivered/s %,d | p99 ack %.1f ms, delivery %.1f ms (so far %.1f) | "
                        + "errors %d (rate_limited %d) | lag p99 %.1f ms | cpu %.2f cores",
                now.sent - prev.sent,
                now.acked - prev.acked,
                now.delivered - prev.delivered,
                LatencySummary.ms(ack.getValueAtPercentile(99)),
                LatencySummary.ms(delivery.getValueAtPercentile(99)),
                LatencySummary.ms(c.deliveryLatency.cumulative().getValueAtPercentile(99)),
                c.errors.total(),
                c.errors.get("rate_limited"),
                LatencySummary.ms(lag.getValueAtPercentile(99)),
                cores);
    }
}
