package io.parley.load.idle;

import io.parley.load.SetupException;
import io.parley.load.net.ClientTransport;
import io.parley.load.net.Connector;
import io.parley.load.net.SourceAddresses;
import io.parley.load.net.Targets;
import io.parley.load.report.JsonReport;
import io.parley.load.stats.CpuMeter;
import io.parley.load.users.LoadUser;
import io.parley.protocol.ClientFrame;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The {@code connections} scenario: every user joins one room, then N authenticated connections are opened (in this
 * process or spread over child processes), held idle, and one message is sent into the room to see how many of them
 * still receive it; the servers' resident memory before and after gives the cost per connection.
 */
public final class ConnectionsRun {
    /** What to open and how. */
    public record Settings(
            int connections,
            int procs,
            double connectRate,
            int maxInFlight,
            SourceAddresses sources,
            Duration hold,
            Duration broadcastTimeout,
            Duration setupTimeout,
            String room,
            List<Long> serverPids,
            int threads,
            int maxPerProcess) {}

    /** Builds the command line of child number i: connections {@code from .. from+count-1} from {@code sourceBase}. */
    @FunctionalInterface
    public interface ChildCommand {
        List<String> build(int index, int from, int count, String sourceBase, String marker, Path resultFile);
    }

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final Settings settings;
    private final Targets targets;
    private final ClientTransport transport;
    private final List<LoadUser> users;
    private final ProcStatus proc;
    private final JsonReport json;
    private final PrintStream err;

    public ConnectionsRun(
            Settings settings,
            Targets targets,
            ClientTransport transport,
            List<LoadUser> users,
            ProcStatus proc,
            JsonReport json,
            PrintStream err) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.targets = Objects.requireNonNull(targets, "targets");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.users = List.copyOf(users);
        this.proc = Objects.requireNonNull(proc, "proc");
        this.json = Objects.requireNonNull(json, "json");
        this.err = Objects.requireNonNull(err, "err");
    }

    public ConnectionsResult run(ChildCommand childCommand, Path workDir) throws InterruptedException, IOException {
        CpuMeter cpu = new CpuMeter();
        int n = settings.connections();
        int members = Math.min(users.size(), n);
        int procs = settings.procs();
        int local = procs == 1 ? n : members;
        int perChild = procs == 1 ? 0 : (int) Math.ceil((double) (n - members) / (procs - 1));
        if (local > settings.maxPerProcess() || perChild > settings.maxPerProcess()) {
            throw new SetupException(String.format(
                    Locale.ROOT,
                    "%,d connections need more processes: at most %,d per "
                            + "process (open-file limit); use --procs %d or more",
                    n,
                    settings.maxPerProcess(),
                    1 + (int) Math.ceil((double) (n - members) / settings.maxPerProcess())));
        }
        String marker = "idle." + Long.toString(System.nanoTime() % 2_176_782_336L, 36);
        Map<Long, Long> before = rss();
        Connector connector = new Connector(settings.connectRate(), settings.maxInFlight());
        List<ChildProcess> children = new ArrayList<>();
        try (IdleFleet fleet = new IdleFleet(transport, targets, settings.sources(), users, marker, 0, err)) {
            err.printf("Opening %,d connections for %,d users, who join room %s%n", members, members, settings.room());
            fleet.open(0, members, connector, settings.setupTimeout().toNanos());
            join(fleet, members);
            if (procs == 1) {
                err.printf("Opening %,d more connections%n", n - members);
                fleet.open(
                        members, n - members, connector, settings.setupTimeout().toNanos());
            } else {
                children = startChildren(childCommand, workDir, members, perChild, marker);
                awaitChildren(children);
            }
            long opened = fleet.opened()
                    + children.stream().mapToLong(ChildProcess::opened).sum();
            err.printf(
                    "Holding %,d connections for %d s%n",
                    opened, settings.hold().toSeconds());
            LockSupport.parkNanos(settings.hold().toNanos());
            Map<Long, Long> after = rss();
            long stillOpen = fleet.stillOpen();
            fleet.connections().getFirst().send(new ClientFrame.Send("b", settings.room(), "are you there?", marker));
            long deadline = System.nanoTime() + settings.broadcastTimeout().toNanos();
            List<ChildProcess> kids = children;
            LongSupplier received = () -> fleet.received()
                    + kids.stream().mapToLong(ChildProcess::received).sum();
            while (received.getAsLong() < opened && System.nanoTime() < deadline) {
                LockSupport.parkNanos(POLL_NANOS);
            }
            List<ConnectionsResult> parts = new ArrayList<>();
            parts.add(fleetResult(fleet, stillOpen));
            parts.addAll(finishChildren(children));
            return new ConnectionsResults(settings, targets, users.size())
                    .merge(parts, before, after, cpu.averageCores(), marker);
        } finally {
            children.forEach(ChildProcess::kill);
        }
    }

    private void join(IdleFleet fleet, int members) throws InterruptedException {
        long period = (long) (1e9 / Math.min(settings.connectRate(), 1000));
        long start = System.nanoTime();
        for (int u = 0; u < members; u++) {
            LockSupport.parkNanos(start + u * period - System.nanoTime());
            fleet.connections().get(u).send(new ClientFrame.Join("j", settings.room()));
        }
        long deadline = System.nanoTime() + settings.setupTimeout().toNanos();
        while (fleet.joined() < fleet.opened() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(POLL_NANOS);
        }
        if (fleet.joined() < fleet.opened()) {
            throw new SetupException("only " + fleet.joined() + " of " + members + " users joined " + settings.room());
        }
    }

    private List<ChildProcess> startChildren(
            ChildCommand command, Path workDir, int members, int perChild, String marker) throws IOException {
        List<ChildProcess> children = new ArrayList<>();
        long addressesUsed = settings.sources().addressesFor(members);
        int from = members;
        for (int i = 1; i < settings.procs() && from < settings.connections(); i++) {
            int count = Math.min(perChild, settings.connections() - from);
            Path result = workDir.resolve("child-" + i + ".json");
            String base = settings.sources().baseAfter(addressesUsed);
            children.add(ChildProcess.start(i, command.build(i, from, count, base, marker, result), result));
            err.printf("Started child %d: connections %,d..%,d from %s%n", i, from, from + count - 1, base);
            addressesUsed += settings.sources().addressesFor(count);
            from += count;
        }
        return children;
    }

    private void awaitChildren(List<ChildProcess> children) throws InterruptedException {
        long deadline = System.nanoTime()
                + settings.setupTimeout().toNanos()
                + (long) (1e9 * settings.connections() / settings.connectRate());
        for (ChildProcess child : children) {
            if (!child.awaitConnected(Math.max(1, deadline - System.nanoTime()))) {
                throw new SetupException(child + " did not report its connections");
            }
        }
    }

    private List<ConnectionsResult> finishChildren(List<ChildProcess> children) throws InterruptedException {
        List<ConnectionsResult> parts = new ArrayList<>();
        children.forEach(ChildProcess::finish);
        for (ChildProcess child : children) {
            int exit = child.awaitExit(TimeUnit.SECONDS.toNanos(60));
            try {
                parts.add(json.read(child.resultFile(), ConnectionsResult.class));
            } catch (IOException e) {
                err.printf("WARNING: %s exited with %d and left no result: %s%n", child, exit, e.getMessage());
            }
        }
        return parts;
    }

    private ConnectionsResult fleetResult(IdleFleet fleet, long stillOpen) {
        return ConnectionsResults.share(fleet, stillOpen, Map.of());
    }

    private Map<Long, Long> rss() {
        Map<Long, Long> rss = new LinkedHashMap<>();
        for (long pid : settings.serverPids()) {
            try {
                rss.put(pid, proc.rssKiB(pid));
            } catch (IOException e) {
                err.printf("WARNING: cannot read the memory of pid %d: %s%n", pid, e.getMessage());
            }
        }
        return rss;
    }
}
