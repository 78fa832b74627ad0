package io.parley.load.stats;

import java.util.TreeSet;

/**
 * Classifies the {@code seq} values one connection receives for one room: new in order, new but late
 * (out of order), or already seen (duplicate). Memory grows only with gaps, which are anomalies.
 */
public final class SeqTracker {
    /** What one observed seq was. */
    public enum Verdict {
        IN_ORDER,
        OUT_OF_ORDER,
        DUPLICATE
    }

    /** Gaps larger than this are counted but not remembered seq by seq. */
    static final long MAX_TRACKED_GAP = 1_000_000;

    private long highest;
    private TreeSet<Long> missing;
    private long untrackedGap;

    /** {@code baseline} is the room's last seq when the connection subscribed; live messages come after it. */
    public SeqTracker(long baseline) {
        this.highest = baseline;
    }

    public Verdict observe(long seq) {
        if (seq == highest + 1) {
            highest = seq;
            return Verdict.IN_ORDER;
        }
        if (seq > highest) {
            long gap = seq - highest - 1;
            if (gap > MAX_TRACKED_GAP) {
                untrackedGap += gap;
            } else {
                if (missing == null) {
                    missing = new TreeSet<>();
                }
                for (long s = highest + 1; s < seq; s++) {
                    missing.add(s);
                }
            }
            highest = seq;
            return Verdict.IN_ORDER;
        }
        if (missing != null && missing.remove(seq)) {
            return Verdict.OUT_OF_ORDER;
        }
        return Verdict.DUPLICATE;
    }

    /** Seqs skipped so far that never arrived. */
    public long gaps() {
        return (missing == null ? 0 : missing.size()) + untrackedGap;
    }

    public long highest() {
        return highest;
    }
}
