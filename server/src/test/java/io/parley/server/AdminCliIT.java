package io.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.infra.Env;
import io.parley.infra.TestServices;
import io.parley.server.admin.AdminCli;
import io.parley.server.support.Admins;
import io.parley.testkit.ManagedProcess;
import io.parley.testkit.Ports;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code parley-server.jar admin}: each outcome with its own exit code and one clear line. */
class AdminCliIT {
    private static TestServices.Isolated services;
    private static Env env;

    @TempDir
    Path temp;

    @BeforeAll
    static void start() {
        services = TestServices.isolated();
        Map<String, String> vars = new HashMap<>(services.env());
        vars.put("PARLEY_BCRYPT_COST", "4");
        env = new Env(vars);
    }

    @AfterAll
    static void stop() {
        services.dropDatabase();
    }

    private static String name() {
        return "adm_" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void createsGrantsRevokesAndListsAdmins() {
        String admin = name();
        Admins.Result created = Admins.run(env.with("PARLEY_ADMIN_PASSWORD", "a good password"), "", "create", admin);
        assertThat(created.code()).as(created.toString()).isEqualTo(AdminCli.OK);
        assertThat(created.out()).contains("created admin " + admin);
        assertThat(Admins.run(env, "", "list").out()).contains(admin + "\t");

        Admins.Result taken = Admins.run(env.with("PARLEY_ADMIN_PASSWORD", "a good password"), "", "create", admin);
        assertThat(taken.code()).isEqualTo(AdminCli.USERNAME_TAKEN);
        assertThat(taken.err()).contains("taken");

        assertThat(Admins.run(env, "", "revoke", admin).code()).isEqualTo(AdminCli.OK);
        assertThat(Admins.run(env, "", "list").out()).doesNotContain(admin);
        assertThat(Admins.run(env, "", "grant", admin).code()).isEqualTo(AdminCli.OK);
        assertThat(Admins.run(env, "", "list").out()).contains(admin);
    }

    @Test
    void refusesWithDistinctExitCodes() {
        Admins.Result unknown = Admins.run(
                env, "", "grant", "nobody_" + UUID.randomUUID().toString().substring(0, 6));
        assertThat(unknown.code()).isEqualTo(AdminCli.UNKNOWN_USER);
        assertThat(unknown.err()).contains("no such user");

        Admins.Result weak = Admins.run(env, "short\n", "create", name());
        assertThat(weak.code()).isEqualTo(AdminCli.INVALID_INPUT);
        assertThat(weak.err()).contains("weak password");
        assertThat(Admins.run(env, "", "create", name()).code())
                .as("no password at all")
                .isEqualTo(AdminCli.INVALID_INPUT);
        assertThat(Admins.run(env, "a good password\n", "create", "x y").code()).isEqualTo(AdminCli.INVALID_INPUT);

        assertThat(Admins.run(env, "").code()).isEqualTo(AdminCli.USAGE);
        assertThat(Admins.run(env, "", "promote", "x").code()).isEqualTo(AdminCli.USAGE);
        assertThat(Admins.run(env, "", "grant").code()).isEqualTo(AdminCli.USAGE);

        Env down = env.with("PARLEY_DB_URL", "jdbc:mysql://127.0.0.1:" + Ports.free() + "/parley");
        Admins.Result noDatabase = Admins.run(down, "", "list");
        assertThat(noDatabase.code()).isEqualTo(AdminCli.DATABASE_DOWN);
        assertThat(noDatabase.err()).contains("database is not available");
    }

    @Test
    void worksOnAStoppedStandaloneDataDirectory() {
        Path dir = temp.resolve("data");
        String admin = name();
        assertThat(Admins.run(env, "a good password\n", "--data-dir", dir.toString(), "create", admin)
                        .code())
                .isEqualTo(AdminCli.OK);
        assertThat(Admins.run(env, "", "--data-dir", dir.toString(), "list").out())
                .contains(admin);
    }

    @Test
    void theServerJarReadsThePasswordFromStandardInput() throws Exception {
        Path jar = Path.of("target", "parley-server.jar");
        String admin = name();
        Map<String, String> vars = new HashMap<>(services.env());
        vars.put("PARLEY_BCRYPT_COST", "4");
        // ManagedProcess closes standard input; this test needs to write to it.
        ProcessBuilder builder =
                new ProcessBuilder(ManagedProcess.javaJar(jar, "admin", "create", admin)).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("PARLEY_"));
        builder.environment().putAll(vars);
        Process p = builder.start();
        try (OutputStream stdin = p.getOutputStream()) {
            stdin.write("a good password\n".getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("created admin " + admin);
        assertThat(Admins.run(env, "", "list").out()).contains(admin);
        assertThat(List.of(
                        AdminCli.USAGE,
                        AdminCli.UNKNOWN_USER,
                        AdminCli.INVALID_INPUT,
                        AdminCli.USERNAME_TAKEN,
                        AdminCli.DATABASE_DOWN))
                .doesNotHaveDuplicates()
                .doesNotContain(AdminCli.OK, 1);
    }
}
