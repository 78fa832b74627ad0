package io.parley.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/** A child process whose output goes to a log file, stopped (forcibly if need be) by {@link #close()}. */
public final class ManagedProcess implements AutoCloseable {
    /** Small-machine JVM flags for the jars the tests start. */
    public static final List<String> SMALL_JVM = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private final String name;
    private final Process process;
    private final Path log;

    private ManagedProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code command} with output and errors appended to {@code log}. The child gets no {@code PARLEY_}
     * variable of this JVM's environment, only those of {@code env}, so that a developer's shell cannot leak in.
     */
    public static ManagedProcess start(String name, List<String> command, Map<String, String> env, Path log)
            throws IOException {
        Objects.requireNonNull(name, "name");
        Files.createDirectories(log.toAbsolutePath().getParent());
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().keySet().removeIf(k -> k.startsWith("PARLEY_"));
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getOutputStream().close();
        return new ManagedProcess(name, process, log);
    }

    /** {@code java -jar jar args...} with the JVM running these tests and the small-machine flags. */
    public static List<String> javaJar(Path jar, String... args) {
        return javaJar(SMALL_JVM, jar, args);
    }

    /** {@code java jvmOptions... -jar jar args...} with the JVM running these tests. */
    public static List<String> javaJar(List<String> jvmOptions, Path jar, String... args) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("jar: " + jar.toAbsolutePath() + " (expected: the built jar; package it)");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        return command;
    }

    public String name() {
        return name;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Process process() {
        return process;
    }

    public Path log() {
        return log;
    }

    /** Waits for the process to exit by itself; returns its exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " did not exit within " + timeout + "\n" + tail(40));
        }
        return process.exitValue();
    }

    /** SIGKILL: no shutdown hooks, no close frames, exactly like a crashed machine. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** The last lines of the log, for failure messages. */
    public String tail(int lines) {
        try {
            List<String> all = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
            return "---- " + name + " (last " + lines + " lines of " + log + ") ----\n"
                    + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "---- " + name + ": cannot read " + log + ": " + e;
        }
    }

    /** SIGTERM, then SIGKILL after a grace period. Never throws. */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
