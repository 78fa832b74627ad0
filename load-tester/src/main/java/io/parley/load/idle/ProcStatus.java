package io.parley.load.idle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads a process's resident memory from {@code /proc/<pid>/status}. */
public final class ProcStatus {
    private final Path proc;

    public ProcStatus(Path proc) {
        this.proc = proc;
    }

    public static ProcStatus system() {
        return new ProcStatus(Path.of("/proc"));
    }

    /** VmRSS in KiB; throws when the process or the line does not exist. */
    public long rssKiB(long pid) throws IOException {
        return parseRssKiB(Files.readAllLines(proc.resolve(Long.toString(pid)).resolve("status")));
    }

    static long parseRssKiB(List<String> lines) throws IOException {
        for (String line : lines) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring(6).trim().split("\\s+");
                return Long.parseLong(parts[0]);
            }
        }
        throw new IOException("no VmRSS line");
    }
}
