package io.parley.server.store;

import io.parley.protocol.HistoryQuery;

/**
 * Whether a history page read from a read replica is the page the primary gives. A replica holds a gapless prefix of
 * every room (a worker stores a room's new seqs and its {@code last_seq} in one transaction, and a replica applies
 * transactions whole, in the primary's commit order), so the page shows how far the replica's copy of the room
 * reaches: it is exact when it reaches the page's {@link #top} or the primary's last seq.
 */
final class PageCoverage {
    private PageCoverage() {}

    /**
     * The highest seq the page's answer depends on: its rows and the one row read past them for {@code hasMore}.
     * {@code after=A}: A + limit + 1 (capped below {@code before}); {@code before=B}: B - 1; the newest page depends
     * on the room's newest seq, whatever it is.
     */
    static long top(HistoryQuery q) {
        long top = Long.MAX_VALUE;
        if (q.after() != null && q.after() < Long.MAX_VALUE - q.limit() - 1) {
            top = q.after() + q.limit() + 1;
        }
        if (q.before() != null) {
            top = Math.min(top, q.before() - 1);
        }
        return top;
    }

    /**
     * True when the replica's page equals the primary's.
     *
     * @param lastSeqShown   the highest seq on the replica's page, -1 when the page is empty
     * @param hasMore        the replica page's {@code hasMore}
     * @param primaryLastSeq the room's last seq on the primary when the request was authorised: at or above every seq
     *                       anyone was shown before the request, since a message is published only once committed
     */
    static boolean exact(HistoryQuery q, long lastSeqShown, boolean hasMore, long primaryLastSeq) {
        if (q.forward() && hasMore) {
            return true; // the replica has the row past the page, so every row up to the top
        }
        // Rows are read up from after, or down from before (or the newest); an empty page reaches where it started.
        long reached = lastSeqShown >= 0 ? lastSeqShown : q.forward() ? q.after() : 0;
        return reached >= Math.min(top(q), primaryLastSeq);
    }
}
