package io.parley.testkit;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;

/**
 * A real Redis Cluster of a test's own: 3 masters and 3 replicas ({@code redis-server} processes on free loopback
 * ports, append-only files, {@code cluster-require-full-coverage no}, a 1 s node timeout so that a failover takes
 * seconds), created with {@code redis-cli --cluster create}. Closing it kills every node and deletes its files.
 */
public final class PrivateRedisCluster implements AutoCloseable {
    private static final int NODES = 6;
    private static final Duration READY = Duration.ofSeconds(30);

    private final Path dir;
    private final Map<Integer, Process> nodes = new LinkedHashMap<>();

    private PrivateRedisCluster(Path dir) {
        this.dir = dir;
    }

    /** Starts six nodes, joins them into a cluster with one replica per master, and waits until every slot is served. */
    public static PrivateRedisCluster start() throws IOException, InterruptedException {
        Path target = Path.of("target").toAbsolutePath();
        Files.createDirectories(target);
        PrivateRedisCluster cluster = new PrivateRedisCluster(Files.createTempDirectory(target, "redis-cluster-"));
        try {
            for (int i = 0; i < NODES; i++) {
                cluster.launch(freePortWithBus());
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            cluster.nodes.keySet().forEach(p -> create.add("127.0.0.1:" + p));
            create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            String out = run(create);
            if (!out.contains("All 16384 slots covered")) {
                throw new IllegalStateException("redis-cli --cluster create failed: " + out);
            }
            Awaitility.await().atMost(READY).until(() -> cluster.healthy() && cluster.replicated());
            return cluster;
        } catch (IOException | RuntimeException | InterruptedException e) {
            cluster.close();
            throw e;
        }
    }

    /** {@code redis-cluster://} with every master as a seed. */
    public URI uri() {
        return URI.create("redis-cluster://"
                + masters().stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(",")));
    }

    /** The ports of the nodes that are masters now, as a live node sees it. */
    public List<Integer> masters() {
        return view().entrySet().stream()
                .filter(e -> e.getValue().master() && !e.getValue().failed())
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
    }

    /** The port of the master serving {@code key} now, as a live node sees it. */
    public int masterOf(String key) {
        int slot = Integer.parseInt(cli(anyLive(), "cluster", "keyslot", key).trim());
        for (Map.Entry<Integer, NodeView> e : view().entrySet()) {
            if (e.getValue().master() && !e.getValue().failed() && e.getValue().serves(slot)) {
                return e.getKey();
            }
        }
        throw new IllegalStateException("no live master serves slot " + slot);
    }

    /** {@code CLUSTER NODES} as a live node sees it, for the record. */
    public String describe() {
        return cli(anyLive(), "cluster", "nodes");
    }

    /** SIGKILL of one node: no shutdown, no final write. */
    public void kill(int port) throws InterruptedException {
        Process p = nodes.get(port);
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !Ports.accepts(port));
    }

    /** Starts a killed node again on its port with its files; it rejoins the cluster (as a replica once failed over). */
    public void restart(int port) throws IOException {
        launch(port);
    }

    /** Whether every slot is served by a live master, as every live node sees it. */
    public boolean healthy() {
        for (int port : nodes.keySet()) {
            if (!nodes.get(port).isAlive()) {
                continue;
            }
            String info;
            try {
                info = cli(port, "cluster", "info");
            } catch (RuntimeException e) {
                return false;
            }
            if (!info.contains("cluster_state:ok") || !info.contains("cluster_slots_ok:16384")) {
                return false;
            }
        }
        return true;
    }

    /** Whether every live master has a replica that is in sync with it (so that {@code WAIT 1} can succeed). */
    public boolean replicated() {
        try {
            for (int master : masters()) {
                String info = cli(master, "info", "replication");
                if (!info.contains("role:master") || !info.contains("state=online")) {
                    return false;
                }
            }
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void launch(int port) throws IOException {
        Path nodeDir = dir.resolve(Integer.toString(port));
        Files.createDirectories(nodeDir);
        List<String> command = List.of(
                "redis-server",
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                nodeDir.toString(),
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                "1000",
                "--cluster-require-full-coverage",
                "no",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(Path.of("target", "redis-cluster-" + port + ".log")
                        .toAbsolutePath()
                        .toFile()))
                .start();
        nodes.put(port, process);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Ports.accepts(port));
    }

    private record NodeView(boolean master, boolean failed, List<int[]> slots) {
        boolean serves(int slot) {
            return slots.stream().anyMatch(r -> r[0] <= slot && slot <= r[1]);
        }
    }

    // CLUSTER NODES as a live node sees it: port -> role, failure flag, slot ranges.
    private Map<Integer, NodeView> view() {
        Map<Integer, NodeView> view = new HashMap<>();
        for (String line : cli(anyLive(), "cluster", "nodes").split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 8) {
                continue;
            }
            int port = Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1, f[1].indexOf('@')));
            List<int[]> slots = new ArrayList<>();
            for (int i = 8; i < f.length; i++) {
                if (!f[i].startsWith("[")) {
                    String[] range = f[i].split("-");
                    int from = Integer.parseInt(range[0]);
                    slots.add(new int[] {from, range.length > 1 ? Integer.parseInt(range[1]) : from});
                }
            }
            view.put(port, new NodeView(f[2].contains("master"), f[2].contains("fail"), slots));
        }
        return view;
    }

    private int anyLive() {
        return nodes.entrySet().stream()
                .filter(e -> e.getValue().isAlive())
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseThrow();
    }

    private static String cli(int port, String... args) {
        List<String> command = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
        command.addAll(List.of(args));
        try {
            return run(command);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " did not finish");
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    // A cluster node also listens on its port + 10000 (the cluster bus).
    private static int freePortWithBus() {
        for (int i = 0; i < 100; i++) {
            int port = Ports.free();
            if (port + 10_000 <= 65_535 && !Ports.accepts(port + 10_000)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port with a free port + 10000");
    }

    @Override
    public void close() throws InterruptedException, IOException {
        for (Process p : nodes.values()) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
