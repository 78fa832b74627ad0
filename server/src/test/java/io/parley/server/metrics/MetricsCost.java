package io.parley.server.metrics;

import io.parley.protocol.ClientFrame;
import io.parley.protocol.ServerFrame;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Benchmark, not a test: what recording costs per message on the replica's hot path, measured as a timed loop over
 * the exact calls a send makes (frame in, send, ack with its histogram, ack frame out) and a delivery makes (the
 * delivery histogram, and per fan-out batch of 50 the batch calls). Single-threaded and with two threads recording
 * at once (shared counters and histograms contended). Run: see docs/BENCHMARKS.md, "Cost of metrics".
 */
public final class MetricsCost {
    private static final int ROUNDS = 10;
    private static final int MESSAGES = 2_000_000;

    private MetricsCost() {}

    public static void main(String[] args) throws Exception {
        Metrics metrics = new Metrics();
        ClientFrame send = new ClientFrame.Send("r1", "room", "body", null);
        ServerFrame ack = new ServerFrame.Ack("r1", "room", "1", null);
        for (int threads : new int[] {1, 2}) {
            List<Double> perMessage = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                perMessage.add(run(threads, () -> {
                    for (int i = 0; i < MESSAGES; i++) {
                        long start = System.nanoTime();
                        metrics.frameIn(send);
                        metrics.send();
                        metrics.ack(start);
                        metrics.frameOut(ack);
                        metrics.delivered(3);
                        if (i % 50 == 0) {
                            metrics.framesOut(50, 0);
                            metrics.fanOutBatch(20_000, 50);
                        }
                    }
                }));
            }
            List<Double> baseline = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                baseline.add(run(threads, () -> {
                    long sum = 0;
                    for (int i = 0; i < MESSAGES; i++) {
                        sum += System.nanoTime(); // the clock read a send needs anyway
                    }
                    if (sum == 42) {
                        System.out.println(sum);
                    }
                }));
            }
            // The first rounds warm the JIT up: report the best of the later ones and their median.
            System.out.printf(
                    Locale.ROOT,
                    "%d thread(s): %.1f ns of CPU per message recorded (median %.1f), " + "clock read alone %.1f ns%n",
                    threads,
                    best(perMessage),
                    median(perMessage),
                    best(baseline));
        }
        if (!metrics.render().contains("parley_send_ack_seconds_count")) {
            throw new AssertionError("nothing recorded");
        }
    }

    /**
     * CPU nanoseconds per message, each of {@code threads} threads running {@code work} at once. CPU time rather than
     * elapsed time, so that other processes on a shared machine do not count (cache and lock contention still do).
     */
    private static double run(int threads, Runnable work) throws Exception {
        CyclicBarrier barrier = new CyclicBarrier(threads);
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        AtomicLong cpuNanos = new AtomicLong();
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            running.add(Thread.ofPlatform().start(() -> {
                try {
                    barrier.await();
                    long start = cpu.getCurrentThreadCpuTime();
                    work.run();
                    cpuNanos.addAndGet(cpu.getCurrentThreadCpuTime() - start);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (Thread t : running) {
            t.join();
        }
        return (double) cpuNanos.get() / ((long) threads * MESSAGES);
    }

    private static double best(List<Double> values) {
        return values.subList(values.size() / 2, values.size()).stream()
                .mapToDouble(Double::doubleValue)
                .min()
                .orElseThrow();
    }

    private static double median(List<Double> values) {
        List<Double> late = new ArrayList<>(values.subList(values.size() / 2, values.size()));
        late.sort(null);
        return late.get(late.size() / 2);
    }
}
