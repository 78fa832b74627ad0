package io.parley.load.cli;

import io.parley.load.LoadContext;
import io.parley.load.idle.ChildRun;
import io.parley.load.idle.ConnectionsReport;
import io.parley.load.idle.ConnectionsResult;
import io.parley.load.idle.ConnectionsRun;
import io.parley.load.idle.IdleFleet;
import io.parley.load.net.ClientTransport;
import io.parley.load.net.Connector;
import io.parley.load.net.SourceAddresses;
import io.parley.load.users.LoadUser;
import io.parley.load.users.UserProvisioner;
import io.parley.load.users.UsersCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code connections}: open N idle authenticated connections, hold them, broadcast once, measure server memory. */
@Command(
        name = "connections",
        mixinStandardHelpOptions = true,
        description = {
            "Opens N authenticated idle connections at a bounded rate (from 127.0.0.2, 127.0.0.3, ... "
                    + "with IP_BIND_ADDRESS_NO_PORT, so N can exceed one address's ephemeral ports), holds them, sends "
                    + "one message into a room every user joined and counts how many connections receive it.",
            "With --server-pid, reports the servers' resident memory per connection (VmRSS delta / N). One "
                    + "process may open at most ~20,000 files: --procs forks child JVMs of this jar and merges "
                    + "their results."
        })
public final class ConnectionsCommand implements Callable<Integer> {
    private final LoadContext ctx;

    @Mixin
    TargetOptions target;

    @Mixin
    UserOptions users;

    @Option(
            names = {"-n", "--connections"},
            paramLabel = "N",
            defaultValue = "1000",
            description = "Connections to open. Default: ${DEFAULT-VALUE}")
    int connections;

    @Option(
            names = {"-u", "--users"},
            paramLabel = "U",
            defaultValue = "100",
            description = "Users owning the connections (round-robin); all join the room. Default: ${DEFAULT-VALUE}")
    int userCount;

    @Option(
            names = "--procs",
            paramLabel = "P",
            defaultValue = "1",
            description = "Processes: this one plus P-1 child JVMs sharing the connections. Default: ${DEFAULT-VALUE}")
    int procs;

    @Option(
            names = "--source-base",
            paramLabel = "IPV4",
            defaultValue = "127.0.0.2",
            description = "First local source address ('none' to let the kernel pick). Default: ${DEFAULT-VALUE}")
    String sourceBase;

    @Option(
            names = "--per-source",
            paramLabel = "N",
            defaultValue = "20000",
            description = "Connections per source address (ephemeral ports are ~28,000). Default: ${DEFAULT-VALUE}")
    int perSource;

    @Option(
            names = "--max-per-process",
            paramLabel = "N",
            defaultValue = "19000",
            description = "Connections one process may hold (open-file limit 20,000). Default: ${DEFAULT-VALUE}")
    int maxPerProcess;

    @Option(
            names = "--hold",
            paramLabel = "SECONDS",
            defaultValue = "5",
            description = "How long to hold the connections before measuring and broadcasting. "
                    + "Default: ${DEFAULT-VALUE}")
    long holdSeconds;

    @Option(
            names = "--broadcast-timeout",
            paramLabel = "SECONDS",
            defaultValue = "30",
            description = "How long to wait for every connection to receive the message. Default: ${DEFAULT-VALUE}")
    long broadcastTimeoutSeconds;

    @Option(names = "--room", paramLabel = "NAME", description = "Room every user joins. Default: a fresh one.")
    String room;

    @Option(
            names = "--server-pid",
            paramLabel = "PID",
            split = ",",
            description = "Server process(es) whose VmRSS to read before and after.")
    List<Long> serverPids = new ArrayList<>();

    @Option(
            names = "--child-heap",
            paramLabel = "SIZE",
            defaultValue = "768m",
            description = "-Xmx of child JVMs. Default: ${DEFAULT-VALUE}")
    String childHeap;

    @Option(names = "--json", paramLabel = "FILE", description = "Write every figure as JSON to FILE.")
    Path json;

    @Option(names = "--child", hidden = true)
    boolean child;

    @Option(names = "--child-from", hidden = true)
    int childFrom;

    @Option(names = "--marker", hidden = true)
    String marker;

    public ConnectionsCommand(LoadContext ctx) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
    }

    @Override
    public Integer call() throws Exception {
        SourceAddresses sources = new SourceAddresses(sourceBase, perSource);
        if (child) {
            return runChild(sources);
        }
        if (procs < 1 || procs > 64) {
            throw new IllegalArgumentException("procs: " + procs + " (expected: 1-64)");
        }
        Path workDir = Files.createTempDirectory("parley-load-");
        try {
            return runParent(sources, workDir);
        } finally {
            // Child results and, without --users-cache, the tokens handed to the children.
            try (var files = Files.walk(workDir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(f -> f.toFile().delete());
            }
        }
    }

    private int runParent(SourceAddresses sources, Path workDir) throws Exception {
        Path cache = users.usersCache != null ? users.usersCache : workDir.resolve("users.json");
        users.usersCache = cache;
        List<LoadUser> loadUsers = users.provision(ctx, target.api(), Math.min(userCount, connections));
        String roomName =
                room != null ? room : "idle-" + Long.toString(System.currentTimeMillis() % 2_176_782_336L, 36);
        ConnectionsRun.Settings settings = new ConnectionsRun.Settings(
                connections,
                procs,
                target.connectRate,
                target.maxInFlight,
                sources,
                Duration.ofSeconds(holdSeconds),
                Duration.ofSeconds(broadcastTimeoutSeconds),
                target.setupTimeout(),
                roomName,
                serverPids,
                target.threads,
                maxPerProcess);
        ConnectionsResult result;
        try (ClientTransport transport = new ClientTransport(target.threads, ctx.codec())) {
            if (sources.enabled() && !transport.epoll()) {
                ctx.err().println("WARNING: no epoll transport: IP_BIND_ADDRESS_NO_PORT is unavailable");
            }
            result = new ConnectionsRun(
                            settings, target.targets(), transport, loadUsers, ctx.proc(), ctx.json(), ctx.err())
                    .run(
                            (index, from, count, base, mark, resultFile) ->
                                    childCommand(cache, from, count, base, mark, resultFile),
                            workDir);
        }
        ConnectionsReport.print(result, ctx.out());
        if (json != null) {
            ctx.json().write(json, result);
        }
        return result.ok() ? 0 : 1;
    }

    private List<String> childCommand(Path cache, int from, int count, String base, String mark, Path resultFile) {
        List<String> cmd = new ArrayList<>(ctx.childJvm());
        cmd.add(1, "-Xmx" + childHeap);
        cmd.addAll(List.of(
                "connections",
                "--child",
                "--child-from",
                Integer.toString(from),
                "--connections",
                Integer.toString(count),
                "--users",
                Integer.toString(Math.min(userCount, connections)),
                "--users-cache",
                cache.toString(),
                "--user-prefix",
                users.userPrefix,
                "--target",
                String.join(",", target.targets),
                "--api",
                target.api().toString(),
                "--threads",
                Integer.toString(target.threads),
                "--connect-rate",
                String.format(Locale.ROOT, "%.1f", target.connectRate / Math.max(1, procs - 1)),
                "--max-in-flight",
                Integer.toString(target.maxInFlight),
                "--setup-timeout",
                Long.toString(target.setupTimeoutSeconds),
                "--source-base",
                base,
                "--per-source",
                Integer.toString(perSource),
                "--marker",
                mark,
                "--json",
                resultFile.toString()));
        return cmd;
    }

    private int runChild(SourceAddresses sources) throws Exception {
        UsersCache cache = new UsersCache(users.usersCache, ctx.mapper());
        Map<String, LoadUser> known = cache.load();
        List<LoadUser> loadUsers = new ArrayList<>();
        for (String name : UserProvisioner.usernames(users.userPrefix, 0, userCount)) {
            LoadUser u = known.get(name.toLowerCase(Locale.ROOT));
            if (u == null) {
                throw new IllegalArgumentException("users cache " + users.usersCache + " lacks " + name);
            }
            loadUsers.add(u);
        }
        long timeout = target.setupTimeout().toNanos() + (long) (1e9 * connections / target.connectRate);
        try (ClientTransport transport = new ClientTransport(target.threads, ctx.codec());
                IdleFleet fleet =
                        new IdleFleet(transport, target.targets(), sources, loadUsers, marker, childFrom, ctx.err())) {
            new ChildRun(fleet, ctx.json(), ctx.out(), ctx.in())
                    .run(
                            childFrom,
                            connections,
                            new Connector(target.connectRate, target.maxInFlight),
                            timeout,
                            json,
                            Map.of("childFrom", childFrom, "connections", connections));
        }
        return 0;
    }
}
