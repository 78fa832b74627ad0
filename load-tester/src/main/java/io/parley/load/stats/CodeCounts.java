package io.parley.load.stats;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Thread-safe counts keyed by a short name (error codes, close codes, failure reasons). */
public final class CodeCounts {
    private final ConcurrentHashMap<String, LongAdder> counts = new ConcurrentHashMap<>();

    public void add(String code) {
        counts.computeIfAbsent(code, c -> new LongAdder()).increment();
    }

    public void add(String code, long n) {
        counts.computeIfAbsent(code, c -> new LongAdder()).add(n);
    }

    public long get(String code) {
        LongAdder a = counts.get(code);
        return a == null ? 0 : a.sum();
    }

    public long total() {
        return counts.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** A sorted copy. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** Adds every count of a snapshot (merging results of several processes). */
    public void addAll(Map<String, Long> snapshot) {
        snapshot.forEach(this::add);
    }
}
