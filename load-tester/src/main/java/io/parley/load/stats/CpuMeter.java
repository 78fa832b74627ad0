package io.parley.load.stats;

import java.lang.management.ManagementFactory;

/** This process's CPU use, as cores busy over an interval, from the JVM's process CPU time. */
public final class CpuMeter {
    private final com.sun.management.OperatingSystemMXBean os;
    private final long startCpu;
    private final long startWall;
    private long lastCpu;
    private long lastWall;

    public CpuMeter() {
        this.os = ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class);
        this.startCpu = cpuNanos();
        this.startWall = System.nanoTime();
        this.lastCpu = startCpu;
        this.lastWall = startWall;
    }

    public int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    private long cpuNanos() {
        return os == null ? 0 : os.getProcessCpuTime();
    }

    /** Cores busy since the previous call. */
    public synchronized double intervalCores() {
        long cpu = cpuNanos();
        long wall = System.nanoTime();
        double cores = wall == lastWall ? 0 : (double) (cpu - lastCpu) / (wall - lastWall);
        lastCpu = cpu;
        lastWall = wall;
        return cores;
    }

    /** Cores busy on average since this meter was made. */
    public double averageCores() {
        long wall = System.nanoTime() - startWall;
        return wall == 0 ? 0 : (double) (cpuNanos() - startCpu) / wall;
    }
}
