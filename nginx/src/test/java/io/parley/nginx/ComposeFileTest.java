package io.parley.nginx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.parley.testkit.Ports;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Static checks of docker/compose.yaml, the Dockerfiles, .env.example and the Nginx template (no Docker engine). */
class ComposeFileTest {
    private static final Set<String> SERVICES =
            Set.of("nginx", "backend", "worker", "migrate", "redis", "db", "prometheus", "grafana");
    /** Started only with {@code --profile monitoring}, published on the host's loopback only. */
    private static final Set<String> MONITORING = Set.of("prometheus", "grafana");

    private static final String ONE_SHOT = "migrate";

    /** What the infra module reads for the database and Redis (DatabaseSettings, RedisSettings). */
    private static final Set<String> STORE_VARS = Set.of(
            "PARLEY_DB_URL",
            "PARLEY_DB_USER",
            "PARLEY_DB_PASSWORD",
            "PARLEY_DB_POOL_SIZE",
            "MYSQL_HOST",
            "MYSQL_PORT",
            "MYSQL_DATABASE",
            "MYSQL_USER",
            "MYSQL_PASSWORD",
            "PARLEY_REDIS_URL",
            "REDIS_URL",
            "CELERY_BROKER_URL",
            "PARLEY_REDIS_PREFIX",
            "PARLEY_QUEUE_PARTITIONS",
            "PARLEY_MIGRATE",
            "PARLEY_LOG_FORMAT");

    private static final Set<String> SERVER_VARS = union(
            STORE_VARS,
            Set.of(
                    "PARLEY_HTTP_PORT",
                    "PARLEY_JWT_SECRET",
                    "SECRET_KEY",
                    "PARLEY_PROFILE",
                    "PARLEY_SERVER_ID",
                    "PARLEY_ALLOWED_ORIGINS",
                    "PARLEY_TRUST_PROXY_HEADERS"));
    private static final Set<String> WORKER_VARS =
            union(STORE_VARS, Set.of("PARLEY_WORKER_ID", "PARLEY_WORKER_HEALTH_FILE", "PARLEY_WORKER_HTTP_PORT"));

    private static Path root;
    private static JsonNode services;
    private static String composeText;

    @BeforeAll
    static void parse() throws IOException {
        root = Repo.root();
        Path compose = root.resolve("docker/compose.yaml");
        composeText = Files.readString(compose, StandardCharsets.UTF_8);
        services =
                new ObjectMapper(new YAMLFactory()).readTree(compose.toFile()).path("services");
    }

    @Test
    void definesTheWholeStack() {
        assertThat(fieldNames(services)).containsExactlyInAnyOrderElementsOf(SERVICES);
    }

    @Test
    void everyServiceHasAnImageOrBuildAHealthCheckAndARestartPolicy() {
        services.properties().forEach(e -> {
            String name = e.getKey();
            JsonNode s = e.getValue();
            assertThat(s.has("image") || s.has("build"))
                    .as("%s: image or build", name)
                    .isTrue();
            if (name.equals(ONE_SHOT)) {
                assertThat(s.path("restart").asText())
                        .as("one-shot %s is never restarted", name)
                        .isEqualTo("no");
                return;
            }
            assertThat(s.path("restart").asText()).as("%s: restart", name).isIn("always", "unless-stopped");
            JsonNode test = s.path("healthcheck").path("test");
            assertThat(test.isArray() && test.size() >= 2)
                    .as("%s: healthcheck.test", name)
                    .isTrue();
            assertThat(test.get(0).asText()).isIn("CMD", "CMD-SHELL");
            assertThat(s.path("healthcheck").path("disable").asBoolean(false)).isFalse();
        });
    }

    @Test
    void onlyNginxPublishesAPortAndItIsTheOneNginxListensOn() throws IOException {
        services.properties().forEach(e -> {
            if (MONITORING.contains(e.getKey())) {
                e.getValue().path("ports").forEach(p -> assertThat(p.asText()).startsWith("127.0.0.1:"));
            } else {
                assertThat(e.getValue().has("ports"))
                        .as("%s publishes ports", e.getKey())
                        .isEqualTo(e.getKey().equals("nginx"));
            }
        });
        JsonNode ports = services.path("nginx").path("ports");
        assertThat(ports).hasSize(1);
        assertThat(ports.get(0).asText()).isEqualTo("${PARLEY_PUBLIC_PORT:-80}:8080");
        assertThat(Files.readString(root.resolve("docker/nginx.Dockerfile"))).contains("--listen 8080", "EXPOSE 8080");
    }

    @Test
    void javaServicesGetOnlyVariablesTheCodeReads() throws IOException {
        assertEnv("backend", SERVER_VARS, "server", "infra", "protocol");
        assertEnv("migrate", SERVER_VARS, "server", "infra", "protocol");
        assertEnv("worker", WORKER_VARS, "worker", "infra", "protocol");
        assertThat(env("backend")).containsEntry("PARLEY_MIGRATE", "false").containsKey("PARLEY_JWT_SECRET");
        assertThat(env("worker"))
                .containsEntry("PARLEY_MIGRATE", "false")
                .containsEntry("PARLEY_WORKER_HTTP_PORT", "9090");
        assertThat(services.path("worker").path("healthcheck").path("test").toString())
                .isEqualTo("[\"CMD\",\"http-health\",\"9090\",\"/healthz\"]");
        // The seed application's names are mapped, with the PARLEY_ names winning.
        assertThat(env("backend").get("PARLEY_JWT_SECRET")).isEqualTo("${PARLEY_JWT_SECRET:-${SECRET_KEY:-}}");
        assertThat(env("backend").get("PARLEY_DB_USER")).startsWith("${MYSQL_USER");
        assertThat(env("backend").get("PARLEY_REDIS_URL")).contains("REDIS_URL", "CELERY_BROKER_URL");
        assertThat(services.path("migrate").path("command").toString()).isEqualTo("[\"migrate\"]");
    }

    @Test
    void dependsOnWaitsForHealthAndForTheMigration() {
        assertThat(conditions("nginx")).isEqualTo(Map.of("backend", "service_healthy"));
        Map<String, String> javaDeps = Map.of(
                "migrate", "service_completed_successfully", "db", "service_healthy", "redis", "service_healthy");
        assertThat(conditions("backend")).isEqualTo(javaDeps);
        assertThat(conditions("worker")).isEqualTo(javaDeps);
        assertThat(conditions("migrate")).isEqualTo(Map.of("db", "service_healthy"));
    }

    @Test
    void buildsReferenceDockerfilesAndStagesThatExist() throws IOException {
        for (String name : fieldNames(services)) {
            JsonNode build = services.path(name).path("build");
            if (build.isMissingNode()) {
                continue;
            }
            Path context = root.resolve("docker")
                    .resolve(build.path("context").asText("."))
                    .normalize();
            assertThat(context).as("%s: build context", name).isEqualTo(root);
            Path dockerfile = context.resolve(build.path("dockerfile").asText("Dockerfile"));
            assertThat(dockerfile).as("%s: dockerfile", name).isRegularFile();
            assertThat(Path.of(dockerfile + ".dockerignore"))
                    .as("%s: per-Dockerfile ignore file", name)
                    .isRegularFile();
            String text = Files.readString(dockerfile);
            if (build.has("target")) {
                assertThat(text)
                        .as("%s: target stage", name)
                        .containsPattern("(?m)^FROM \\S+ AS "
                                + Pattern.quote(build.path("target").asText()) + "$");
            }
            assertThat(text).as("%s: runs as a non-root user", name).containsPattern("(?m)^USER (?!root)\\S+");
            Matcher copied = Pattern.compile("(?m)^COPY (?!--from)(?:--\\S+ )*(\\S+(?: \\S+)*?) \\S+$")
                    .matcher(text);
            while (copied.find()) {
                for (String source : copied.group(1).split(" ")) {
                    // target/ and dist/ are the host's build outputs (stages host-jars and host-web), absent here.
                    if (!source.equals(".") && !source.matches(".*/(target|dist)/.*")) {
                        assertThat(root.resolve(source))
                                .as("%s: COPY source", name)
                                .exists();
                    }
                }
            }
        }
        String java = Files.readString(root.resolve("docker/java.Dockerfile"));
        assertThat(java)
                .contains(
                        "-XX:MaxRAMPercentage=",
                        "-XX:+ExitOnOutOfMemoryError",
                        "FROM maven:",
                        "ARG JRE_IMAGE=eclipse-temurin:",
                        "FROM ${JRE_IMAGE} AS runtime");
        assertThat(Files.readString(root.resolve("docker/nginx.Dockerfile")))
                .contains("FROM node:", "npm ci", "npm run build", "COPY --from=web /src/dist/");
    }

    @Test
    void nginxImageIsRecentEnoughForUpstreamResolve() throws IOException {
        String dockerfile = Files.readString(root.resolve("docker/nginx.Dockerfile"));
        Matcher m = Pattern.compile("ARG NGINX_IMAGE=nginx:(\\d+)\\.(\\d+)(?:\\.(\\d+))?")
                .matcher(dockerfile);
        assertThat(m.find()).as("ARG NGINX_IMAGE=nginx:<version>").isTrue();
        int[] version = {
            Integer.parseInt(m.group(1)),
            Integer.parseInt(m.group(2)),
            m.group(3) == null ? 0 : Integer.parseInt(m.group(3))
        };
        assertThat(version[0] * 1_000_000 + version[1] * 1_000 + version[2])
                .as("nginx >= 1.27.3")
                .isGreaterThanOrEqualTo(1_027_003);
        assertThat(dockerfile).doesNotContainPattern("(?m)^FROM nginx:");
    }

    @Test
    void monitoringIsAnOptionalProfileWhoseMountedFilesExist() {
        for (String name : MONITORING) {
            JsonNode s = services.path(name);
            assertThat(s.path("profiles").toString()).as(name).isEqualTo("[\"monitoring\"]");
            s.path("volumes").forEach(v -> {
                String source = v.asText().split(":")[0];
                if (source.startsWith("../")) {
                    assertThat(root.resolve("docker").resolve(source).normalize())
                            .as("%s mounts", name)
                            .exists();
                }
            });
        }
        assertThat(root.resolve("monitoring/grafana/dashboards/parley.json")).isRegularFile();
    }

    @Test
    void dataLivesOnVolumesAndRedisKeepsAnAppendOnlyFile() {
        assertThat(services.path("db").path("image").asText()).isEqualTo("mysql:8.4");
        assertThat(services.path("db").path("volumes").toString()).contains(":/var/lib/mysql");
        assertThat(services.path("redis").path("volumes").toString()).contains(":/data");
        assertThat(services.path("redis").path("command").toString()).contains("\"--appendonly\",\"yes\"");
    }

    @Test
    void everyInterpolatedVariableIsDocumentedInEnvExample() throws IOException {
        Set<String> used = new TreeSet<>();
        Matcher m = Pattern.compile("\\$\\{([A-Z_][A-Z0-9_]*)").matcher(composeText);
        while (m.find()) {
            used.add(m.group(1));
        }
        Set<String> documented = new TreeSet<>();
        Matcher d =
                Pattern.compile("(?m)^#? ?([A-Z_][A-Z0-9_]*)=").matcher(Files.readString(root.resolve(".env.example")));
        while (d.find()) {
            documented.add(d.group(1));
        }
        assertThat(documented).isEqualTo(used);
    }

    @Test
    void nginxTemplateNeverLogsTokenBearingFields() throws IOException {
        String template = Files.readString(root.resolve("nginx/parley.conf.template"));
        Matcher formats = Pattern.compile("log_format[^;]*;").matcher(template);
        List<String> logFormats = new ArrayList<>();
        while (formats.find()) {
            logFormats.add(formats.group());
        }
        assertThat(logFormats).isNotEmpty();
        for (String format : logFormats) {
            assertThat(format)
                    .doesNotContainPattern("\\$request(?![_a-z])")
                    .doesNotContain(
                            "$request_uri",
                            "$args",
                            "$query_string",
                            "$arg_",
                            "$http_authorization",
                            "$http_sec_websocket_protocol",
                            "$http_cookie",
                            "$request_body",
                            "$http_referer");
        }
        assertThat(template)
                .as("the logged path stops at the query string")
                .contains("\"~^(?<path>[^?]*)\" $path;", "\"path\":\"$parley_path\"");
        Matcher accessLogs = Pattern.compile("(?m)^\\s*access_log\\s+([^;]*);").matcher(template);
        while (accessLogs.find()) {
            assertThat(accessLogs.group(1))
                    .as("access_log uses the token-free format")
                    .matches("off|\\S+ parley");
        }
    }

    @Test
    void rendersTheTemplateForDockerAndForLoopback() throws Exception {
        String docker = NginxConfig.renderDocker();
        assertThat(docker)
                .contains(
                        "server backend:8080 resolve",
                        "server backend:8080 resolve backup max_fails=0;",
                        "resolver 127.0.0.11 valid=10s",
                        "zone ",
                        "least_conn;",
                        "listen 8080;");
        String loopback =
                NginxConfig.renderLoopback(18080, List.of(18081, 18082), Path.of("/tmp/www"), Path.of("/tmp/run"));
        assertThat(loopback)
                .contains(
                        "server 127.0.0.1:18081 max_fails",
                        "server 127.0.0.1:18082 max_fails",
                        "server 127.0.0.1:18081 backup max_fails=0;",
                        "server 127.0.0.1:18082 backup max_fails=0;")
                .doesNotContainPattern("(?m)^\\s*server \\S+ resolve")
                .doesNotContainPattern("(?m)^\\s*resolver ");
        for (String conf : List.of(docker, loopback)) {
            assertThat(conf)
                    .doesNotContainPattern("@[A-Z_]+@")
                    .contains(
                            "proxy_read_timeout 75s;",
                            "client_max_body_size 64k;",
                            "proxy_next_upstream error timeout http_502 http_503;",
                            "proxy_set_header Upgrade $http_upgrade;",
                            "gzip on;",
                            "location /metrics {")
                    .doesNotContainPattern("(?i)proxy_(set|hide)_header\\s+Sec-WebSocket-Protocol");
        }
    }

    @Test
    void loopbackRenderingPassesNginxConfigTest() throws Exception {
        Path nginx = Path.of(System.getenv().getOrDefault("PARLEY_NGINX_BIN", "/usr/sbin/nginx"));
        assumeTrue(Files.isExecutable(nginx), "no nginx binary at " + nginx);
        Path dir = Files.createTempDirectory("parley-nginx-t-");
        Path conf = dir.resolve("nginx.conf");
        try {
            Files.writeString(conf, NginxConfig.renderLoopback(Ports.free(), List.of(18081), dir, dir));
            assertThat(run(dir, nginx.toString(), "-t", "-p", dir + "/", "-c", conf.toString(), "-e", "stderr"))
                    .isZero();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void deploymentFilesNameNoHostsOutsideTheStack() throws IOException {
        List<Path> files = new ArrayList<>(List.of(
                root.resolve(".env.example"),
                root.resolve("nginx/parley.conf.template"),
                root.resolve("nginx/render.sh")));
        try (Stream<Path> docker = Files.walk(root.resolve("docker"))) {
            docker.filter(Files::isRegularFile).forEach(files::add);
        }
        // Every URL names a host of the stack (or a variable, or the documentation domain): no registry, no mirror.
        Set<String> stackHosts = Set.of("redis", "127.0.0.1", "localhost", "parley_backend", "chat.example.com");
        Pattern url = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://([A-Za-z0-9._${}-]*)");
        for (Path file : files) {
            Matcher m = url.matcher(Files.readString(file));
            while (m.find()) {
                String host = m.group(1);
                assertThat(host.startsWith("${") || stackHosts.contains(host))
                        .as("host %s in %s", host, root.relativize(file))
                        .isTrue();
            }
        }
    }

    @Test
    void dockerComposeConfigAcceptsTheFile() throws Exception {
        assumeTrue(run(root, "docker", "compose", "version") == 0, "the docker compose plugin is not installed");
        assertThat(run(root, "docker", "compose", "-f", "docker/compose.yaml", "config", "-q"))
                .isZero();
        assertThat(run(
                        root,
                        "docker",
                        "compose",
                        "-f",
                        "docker/compose.yaml",
                        "--env-file",
                        ".env.example",
                        "config",
                        "-q"))
                .isZero();
    }

    // ---- helpers ----

    private static void assertEnv(String service, Set<String> allowed, String... modules) throws IOException {
        Set<String> names = env(service).keySet();
        assertThat(allowed).as("variables of %s", service).containsAll(names);
        String sources = sources(modules);
        if (sources == null) {
            System.out.println("ComposeFileTest: " + String.join("/", modules)
                    + " sources not present yet; checked against the documented list only");
            return;
        }
        for (String name : names) {
            assertThat(sources)
                    .as("%s: %s is read by %s", service, name, String.join(" or ", modules))
                    .contains("\"" + name + "\"");
        }
    }

    private static Map<String, String> env(String service) {
        Map<String, String> env = new java.util.TreeMap<>();
        services.path(service)
                .path("environment")
                .properties()
                .forEach(e -> env.put(e.getKey(), e.getValue().asText()));
        return env;
    }

    private static Map<String, String> conditions(String service) {
        Map<String, String> conditions = new java.util.TreeMap<>();
        services.path(service)
                .path("depends_on")
                .properties()
                .forEach(e -> conditions.put(
                        e.getKey(), e.getValue().path("condition").asText()));
        return conditions;
    }

    /** All main Java sources of the modules, concatenated; null when the first module has none yet. */
    private static String sources(String... modules) throws IOException {
        StringBuilder all = new StringBuilder();
        for (String module : modules) {
            Path dir = root.resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(dir)) {
                if (module.equals(modules[0])) {
                    return null;
                }
                continue;
            }
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    all.append(Files.readString(f)).append('\n');
                }
            }
        }
        return all.toString();
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    private static int run(Path dir, String... command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile()).inheritIO().start();
        } catch (IOException e) {
            return -1; // not installed
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
