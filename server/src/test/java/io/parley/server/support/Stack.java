package io.parley.server.support;

import io.parley.infra.Env;
import io.parley.infra.TestServices;
import io.parley.server.ServerMain;
import io.parley.server.config.ServerConfig;
import io.parley.testkit.ManagedProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A real Parley stack for one test class: its own database and Redis prefix on the real services, server replicas
 * in this JVM on free ports, and workers as real {@code java -jar} processes.
 */
public final class Stack implements AutoCloseable {
    public static final String SECRET = "integration-test-secret-0123456789abcdef";
    private final TestServices.Isolated services = TestServices.isolated();
    private final List<ServerMain> servers = new ArrayList<>();
    private final List<ManagedProcess> processes = new ArrayList<>(); // workers and server processes
    private final List<AutoCloseable> resources = new ArrayList<>(); // closed last, after every process

    public TestServices.Isolated services() {
        return services;
    }

    /** Environment for a replica or worker of this stack, with overrides. */
    public Map<String, String> env(String... overrides) {
        Map<String, String> env = new HashMap<>(services.env());
        env.put("PARLEY_JWT_SECRET", SECRET);
        env.put("PARLEY_HTTP_PORT", "0");
        env.put("PARLEY_BCRYPT_COST", "4"); // tests register many users; production keeps 10
        for (int i = 0; i < overrides.length; i += 2) {
            env.put(overrides[i], overrides[i + 1]);
        }
        return env;
    }

    public ServerMain startServer(String serverId, String... overrides) throws Exception {
        List<String> all = new ArrayList<>(List.of(overrides));
        all.add("PARLEY_SERVER_ID");
        all.add(serverId);
        ServerMain server = ServerMain.start(ServerConfig.fromEnv(new Env(env(all.toArray(String[]::new)))));
        servers.add(server);
        return server;
    }

    /** Starts the worker jar as a real process; its log goes to target/. */
    public Process startWorker(String workerId, String... overrides) throws IOException {
        List<String> all = new ArrayList<>(List.of("PARLEY_WORKER_ID", workerId));
        all.addAll(List.of(overrides));
        return startJar("worker", workerId, all);
    }

    /** Starts the server jar as a real process on {@code port}, for tests that must SIGKILL a replica. */
    public Process startServerProcess(String serverId, int port, String... overrides) throws IOException {
        List<String> all =
                new ArrayList<>(List.of("PARLEY_SERVER_ID", serverId, "PARLEY_HTTP_PORT", Integer.toString(port)));
        all.addAll(List.of(overrides));
        return startJar("server", serverId, all);
    }

    private Process startJar(String module, String name, List<String> overrides) throws IOException {
        Path jar = Path.of("..", module, "target", "parley-" + module + ".jar").normalize();
        ManagedProcess process = ManagedProcess.start(
                module + "-" + name,
                ManagedProcess.javaJar(List.of("-Xmx256m"), jar),
                env(overrides.toArray(String[]::new)),
                Path.of("target", module + "-" + name + ".log"));
        processes.add(process);
        return process.process();
    }

    @Override
    public void close() {
        for (ManagedProcess p : processes) {
            try {
                p.kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        servers.forEach(ServerMain::close);
        services.dropDatabase();
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + resource, e);
            }
        }
    }

    /** Closes {@code resource} (a private Redis Cluster the stack runs on, say) when the stack closes. */
    public void closeLast(AutoCloseable resource) {
        resources.add(resource);
    }
}
