package io.parley.server.store;

import io.parley.protocol.HistoryQuery;

/**
 * Whether a read replica's copy of a room answers a history page exactly as the primary would. A replica holds a
 * gapless prefix of every room: a worker stores a room's new seqs and its {@code last_seq} in one transaction, and the
 * replica applies transactions whole and in the primary's commit order. So a page is exact on the replica when every
 * seq it depends on is at or below the replica's {@code last_seq}, or when the replica has the whole room as the
 * primary had it.
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
     * True when the replica, at {@code replicaLastSeq}, gives the same page as the primary at {@code primaryLastSeq}
     * (read when the request was authorised, so it covers every seq anyone was shown before the request).
     */
    static boolean replicaAnswers(HistoryQuery q, long replicaLastSeq, long primaryLastSeq) {
        return replicaLastSeq >= Math.min(top(q), primaryLastSeq);
    }
}
