package io.parley.server.support;

import io.parley.infra.Env;
import io.parley.infra.TestServices;
import io.parley.server.ServerMain;
import io.parley.server.config.ServerConfig;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
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
    private final List<Process> workers = new ArrayList<>();

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
        Path jar = Path.of("..", "worker", "target", "parley-worker.jar").toAbsolutePath().normalize();
        if (!Files.exists(jar)) {
            throw new IllegalStateException("build the worker first: " + jar);
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-jar", jar.toString());
        List<String> all = new ArrayList<>(List.of("PARLEY_WORKER_ID", workerId, "PARLEY_WORKER_LEASE_MS", "2000"));
        all.addAll(List.of(overrides));
        pb.environment().putAll(env(all.toArray(String[]::new)));
        File log = Path.of("target", "worker-" + workerId + ".log").toFile();
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log));
        Process process = pb.start();
        workers.add(process);
        return process;
    }

    @Override
    public void close() {
        workers.forEach(Process::destroyForcibly);
        for (Process p : workers) {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        servers.forEach(ServerMain::close);
        services.dropDatabase();
    }
}
