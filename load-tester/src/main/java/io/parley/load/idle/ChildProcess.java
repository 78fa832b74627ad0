package io.parley.load.idle;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM holding a share of the connections (one process may open at most ~20,000 files). It reports
 * {@code CONNECTED <opened> <failed>} and {@code RECEIVED <n>} lines on stdout and ends on {@code FINISH} on stdin,
 * leaving its result as JSON in {@link #resultFile()}.
 */
final class ChildProcess {
    static final String CONNECTED = "CONNECTED";
    static final String RECEIVED = "RECEIVED";
    static final String FINISH = "FINISH";

    private final int index;
    private final Process process;
    private final Path resultFile;
    private final CountDownLatch connected = new CountDownLatch(1);
    private volatile long opened;
    private volatile long failed;
    private volatile long received;

    private ChildProcess(int index, Process process, Path resultFile) {
        this.index = index;
        this.process = process;
        this.resultFile = resultFile;
    }

    static ChildProcess start(int index, List<String> command, Path resultFile) throws IOException {
        Process p = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        ChildProcess child = new ChildProcess(index, p, resultFile);
        Thread reader = new Thread(child::readLines, "child-" + index + "-stdout");
        reader.setDaemon(true);
        reader.start();
        return child;
    }

    private void readLines() {
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                String[] parts = line.trim().split(" ");
                if (parts[0].equals(CONNECTED) && parts.length == 3) {
                    opened = Long.parseLong(parts[1]);
                    failed = Long.parseLong(parts[2]);
                    connected.countDown();
                } else if (parts[0].equals(RECEIVED) && parts.length == 2) {
                    received = Long.parseLong(parts[1]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the child died; awaitConnected and awaitResult report it
        } finally {
            connected.countDown();
        }
    }

    /** True when the child reported its connections before the deadline. */
    boolean awaitConnected(long timeoutNanos) throws InterruptedException {
        return connected.await(timeoutNanos, TimeUnit.NANOSECONDS) && process.isAlive();
    }

    long opened() {
        return opened;
    }

    long failed() {
        return failed;
    }

    long received() {
        return received;
    }

    Path resultFile() {
        return resultFile;
    }

    void finish() {
        try {
            OutputStream in = process.getOutputStream();
            in.write((FINISH + "\n").getBytes(StandardCharsets.US_ASCII));
            in.flush();
            in.close();
        } catch (IOException e) {
            // already gone
        }
    }

    /** Waits for the exit; kills the child when it overstays. */
    int awaitExit(long timeoutNanos) throws InterruptedException {
        if (!process.waitFor(timeoutNanos, TimeUnit.NANOSECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            return -1;
        }
        return process.exitValue();
    }

    void kill() {
        process.destroyForcibly();
    }

    @Override
    public String toString() {
        return "child " + index + " (pid " + process.pid() + ")";
    }
}
