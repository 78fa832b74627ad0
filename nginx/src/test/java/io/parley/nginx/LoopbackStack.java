package io.parley.nginx;

import io.parley.infra.TestServices;
import io.parley.testkit.ManagedProcess;
import io.parley.testkit.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Compose stack rebuilt from real processes on loopback: the one-shot migrate, N server replicas and a worker
 * (the jars the images run) against one isolated database and Redis prefix, and the real nginx binary with the
 * project's template rendered for 127.0.0.1. Everything it writes lives in one temporary directory.
 */
final class LoopbackStack implements AutoCloseable {
    static final Duration START_TIMEOUT = Duration.ofSeconds(150);
    static final String WORKER_HEALTH_FILE = "worker.alive";

    final Path dir;
    /** The client the stack was started with; tests call through it. */
    final HttpClient http;

    final Path nginxDir;
    final Path staticRoot;
    final Map<String, ManagedProcess> servers = new LinkedHashMap<>();
    final Map<String, Integer> serverPorts = new LinkedHashMap<>();
    private final Map<String, List<String>> serverCommands = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> serverEnvs = new LinkedHashMap<>();
    ManagedProcess worker;
    int workerHttpPort;
    ManagedProcess nginx;
    int nginxPort;
    private final List<ManagedProcess> all = new ArrayList<>();
    private TestServices.Isolated slice;

    private LoopbackStack(Path dir, HttpClient http) {
        this.dir = dir;
        this.http = http;
        this.nginxDir = dir.resolve("nginx");
        this.staticRoot = dir.resolve("www");
    }

    /** Starts everything and waits until each replica is ready and Nginx answers; cleans up if anything fails. */
    static LoopbackStack start(int replicas, HttpClient http) throws Exception {
        // -Dparley.server.jar / -Dparley.worker.jar run other builds of the same processes.
        Path serverJar = jar("parley.server.jar", "server/target/parley-server.jar");
        Path workerJar = jar("parley.worker.jar", "worker/target/parley-worker.jar");
        Path nginxBinary = Path.of(System.getenv().getOrDefault("PARLEY_NGINX_BIN", "/usr/sbin/nginx"));
        requireFile(serverJar, "build it first: mvn -B install -DskipTests");
        requireFile(workerJar, "build it first: mvn -B install -DskipTests");
        requireFile(nginxBinary, "install Debian's nginx (apt-get install -y nginx) or set PARLEY_NGINX_BIN");

        // World-readable: Nginx started as root (as in CI) serves files as its unprivileged worker user.
        LoopbackStack stack = new LoopbackStack(
                Files.createTempDirectory(
                        "parley-nginx-it-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x"))),
                http);
        try {
            stack.startJava(replicas, serverJar, workerJar, http);
            stack.startNginx(nginxBinary, http);
            return stack;
        } catch (Throwable t) {
            System.err.println(stack.logTails(60));
            stack.close();
            throw t;
        }
    }

    private void startJava(int replicas, Path serverJar, Path workerJar, HttpClient http) throws Exception {
        slice = TestServices.isolated();
        Map<String, String> env = new HashMap<>(slice.env());
        env.put("PARLEY_JWT_SECRET", randomSecret());
        env.put("PARLEY_QUEUE_PARTITIONS", "8");
        env.put("PARLEY_MIGRATE", "false");

        // Compose's one-shot `migrate` service: same jar, same command, must exit 0 before any replica starts.
        ManagedProcess migrate = launch("migrate", ManagedProcess.javaJar(serverJar, "migrate"), env);
        int exit = migrate.awaitExit(START_TIMEOUT);
        if (exit != 0) {
            throw new AssertionError("migrate exited with " + exit + "\n" + migrate.tail(60));
        }

        for (int i = 1; i <= replicas; i++) {
            String id = "backend-" + i;
            int port = Ports.free();
            Map<String, String> serverEnv = new HashMap<>(env);
            serverEnv.put("PARLEY_HTTP_PORT", Integer.toString(port));
            serverEnv.put("PARLEY_SERVER_ID", id);
            serverCommands.put(id, ManagedProcess.javaJar(serverJar));
            serverEnvs.put(id, serverEnv);
            servers.put(id, launch(id, serverCommands.get(id), serverEnv));
            serverPorts.put(id, port);
        }
        Map<String, String> workerEnv = new HashMap<>(env);
        workerEnv.put("PARLEY_WORKER_ID", "worker-1");
        workerEnv.put(
                "PARLEY_WORKER_HEALTH_FILE", dir.resolve(WORKER_HEALTH_FILE).toString());
        workerHttpPort = Ports.free();
        workerEnv.put("PARLEY_WORKER_HTTP_PORT", Integer.toString(workerHttpPort));
        worker = launch("worker-1", ManagedProcess.javaJar(workerJar), workerEnv);

        for (var entry : servers.entrySet()) {
            awaitStatus(
                    http,
                    URI.create("http://127.0.0.1:" + serverPorts.get(entry.getKey()) + "/readyz"),
                    200,
                    entry.getValue());
        }
    }

    private void startNginx(Path nginxBinary, HttpClient http) throws Exception {
        Files.createDirectories(nginxDir);
        writeStaticFixture(staticRoot);
        nginxPort = Ports.free();
        String conf = NginxConfig.renderLoopback(nginxPort, List.copyOf(serverPorts.values()), staticRoot, nginxDir);
        Path confFile = nginxDir.resolve("nginx.conf");
        Files.writeString(confFile, conf, StandardCharsets.UTF_8);
        List<String> base =
                List.of(nginxBinary.toString(), "-p", nginxDir + "/", "-c", confFile.toString(), "-e", "stderr");

        List<String> test = new ArrayList<>(base);
        test.add("-t");
        ManagedProcess check = launch("nginx-t", test, Map.of());
        if (check.awaitExit(Duration.ofSeconds(30)) != 0) {
            throw new AssertionError("nginx -t rejected the rendered config\n" + check.tail(30));
        }
        List<String> run = new ArrayList<>(base);
        run.addAll(List.of("-g", "daemon off;"));
        nginx = launch("nginx", run, Map.of());
        awaitStatus(http, nginxUri("/nginx-health"), 200, nginx);
    }

    /** Starts a stopped replica again on its old port, as a container restart would, and waits until ready. */
    void restart(String id, HttpClient http) throws Exception {
        ManagedProcess old = servers.get(id);
        if (old.isAlive()) {
            throw new IllegalStateException(id + " is still running");
        }
        ManagedProcess again = launch(id + "-restarted", serverCommands.get(id), serverEnvs.get(id));
        servers.put(id, again);
        awaitStatus(http, URI.create("http://127.0.0.1:" + serverPorts.get(id) + "/readyz"), 200, again);
    }

    /** The database and Redis prefix of this stack, for tests that audit what was stored. */
    TestServices.Isolated services() {
        return slice;
    }

    URI nginxUri(String path) {
        return URI.create("http://127.0.0.1:" + nginxPort + path);
    }

    /** REST calls through Nginx. */
    Api api() {
        return new Api(http, nginxUri("/"));
    }

    URI nginxWs() {
        return URI.create("ws://127.0.0.1:" + nginxPort + "/ws");
    }

    Path accessLog() {
        return nginxDir.resolve("access.log");
    }

    Path errorLog() {
        return nginxDir.resolve("error.log");
    }

    String logTails(int lines) {
        StringBuilder out = new StringBuilder();
        for (ManagedProcess p : all) {
            out.append(p.tail(lines)).append('\n');
        }
        for (Path log : List.of(errorLog())) {
            try {
                if (Files.exists(log)) {
                    out.append("---- ")
                            .append(log)
                            .append(" ----\n")
                            .append(Files.readString(log))
                            .append('\n');
                }
            } catch (IOException e) {
                out.append("cannot read ").append(log).append(": ").append(e).append('\n');
            }
        }
        return out.toString();
    }

    /** Stops Nginx first (so clients see no new upstream errors), then every Java process; drops the database. */
    @Override
    public void close() {
        List<ManagedProcess> reversed = new ArrayList<>(all);
        java.util.Collections.reverse(reversed);
        for (ManagedProcess p : reversed) {
            p.close();
        }
        if (slice != null) {
            try {
                slice.dropDatabase();
            } catch (RuntimeException e) {
                System.err.println("could not drop the test database: " + e);
            }
        }
    }

    /** Removes the logs and files of a run that passed (a failed run keeps them for a look). */
    void deleteFiles() {
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }

    private ManagedProcess launch(String name, List<String> command, Map<String, String> env) throws IOException {
        ManagedProcess p = ManagedProcess.start(name, command, env, dir.resolve(name + ".log"));
        all.add(p);
        return p;
    }

    private static void awaitStatus(HttpClient http, URI uri, int status, ManagedProcess owner) throws Exception {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!owner.isAlive()) {
                throw new AssertionError(
                        owner.name() + " exited with " + owner.process().exitValue() + " before " + uri + " answered "
                                + status + "\n" + owner.tail(60));
            }
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(uri)
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == status) {
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250); // polling a process that is starting; bounded by the deadline above
        }
        throw new AssertionError(uri + " did not answer " + status + " within " + START_TIMEOUT + " (last: " + last
                + ")\n" + owner.tail(60));
    }

    /** A stand-in for web-client/dist: the shell, one hashed asset large enough to be gzipped. */
    private static void writeStaticFixture(Path root) throws IOException {
        Files.createDirectories(root.resolve("assets"));
        Files.writeString(
                root.resolve("index.html"),
                """
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>Parley</title>
                <script type="module" src="/assets/app-1234.js"></script></head>
                <body><div id="root"></div></body></html>
                """,
                StandardCharsets.UTF_8);
        Files.writeString(
                root.resolve("assets/app-1234.js"),
                "export const greeting = 'hello from the fixture';\n".repeat(200),
                StandardCharsets.UTF_8);
    }

    private static Path jar(String property, String defaultPath) {
        String configured = System.getProperty(property);
        return configured == null || configured.isBlank() ? Repo.resolve(defaultPath) : Path.of(configured);
    }

    private static void requireFile(Path path, String hint) {
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException(path + " is missing (" + hint + ")");
        }
    }

    private static String randomSecret() {
        byte[] bytes = new byte[36];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes); // 48 characters
    }
}
