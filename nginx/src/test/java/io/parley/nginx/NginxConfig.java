package io.parley.nginx;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Renders nginx/parley.conf.template with nginx/render.sh, exactly as the Docker image build does. */
final class NginxConfig {
    private NginxConfig() {}

    /** The loopback rendering the tests run: fixed upstream addresses, no resolver, everything under runtimeDir. */
    static String renderLoopback(int listenPort, List<Integer> upstreamPorts, Path staticRoot, Path runtimeDir)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of(
                "--listen",
                "127.0.0.1:" + listenPort,
                "--root",
                staticRoot.toString(),
                "--runtime-dir",
                runtimeDir.toString()));
        for (int port : upstreamPorts) {
            args.add("--upstream");
            args.add("127.0.0.1:" + port);
        }
        return render(args);
    }

    /** The rendering baked into the image (see docker/nginx.Dockerfile). */
    static String renderDocker() throws IOException, InterruptedException {
        return render(List.of(
                "--listen",
                "8080",
                "--upstream",
                "backend:8080",
                "--resolver",
                "127.0.0.11",
                "--root",
                "/usr/share/nginx/html",
                "--runtime-dir",
                "/tmp/nginx",
                "--access-log",
                "/dev/stdout",
                "--error-log",
                "/dev/stderr"));
    }

    static String render(List<String> args) throws IOException, InterruptedException {
        List<String> command =
                new ArrayList<>(List.of("sh", Repo.resolve("nginx/render.sh").toString()));
        command.addAll(args);
        Path err = Files.createTempFile("render", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("render.sh did not finish in 30 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("render.sh exited with " + p.exitValue() + ": "
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new String(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
