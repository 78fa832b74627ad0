package io.parley.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.protocol.HistoryQuery;
import org.junit.jupiter.api.Test;

/**
 * The replica's page against the primary's, for a replica whose copy of the room ends at seq {@code r} and a primary
 * at {@code p}: {@link #replicaPage} computes what the replica answers, and the rule must accept it exactly when it
 * equals what the primary answers.
 */
class PageCoverageTest {
    private static HistoryQuery newest(int limit) {
        return new HistoryQuery(null, null, limit);
    }

    private static HistoryQuery before(long b, int limit) {
        return new HistoryQuery(b, null, limit);
    }

    private static HistoryQuery after(long a, int limit) {
        return new HistoryQuery(null, a, limit);
    }

    /** The page of a room holding seqs 1..last: its first and last seq (-1 when empty) and hasMore, as MessageStore. */
    private record Page(long first, long last, boolean hasMore) {}

    private static Page page(HistoryQuery q, long last) {
        long lo = q.after() == null ? 1 : q.after() + 1;
        long hi = Math.min(last, q.before() == null ? Long.MAX_VALUE : q.before() - 1);
        if (hi < lo) {
            return new Page(-1, -1, false);
        }
        long count = hi - lo + 1;
        if (q.forward()) {
            return count > q.limit() ? new Page(lo, lo + q.limit() - 1, true) : new Page(lo, hi, false);
        }
        return count > q.limit() ? new Page(hi - q.limit() + 1, hi, true) : new Page(lo, hi, false);
    }

    private static boolean accepted(HistoryQuery q, long replica, long primary) {
        Page page = page(q, replica);
        return PageCoverage.exact(q, page.last(), page.hasMore(), primary);
    }

    @Test
    void theNewestPageNeedsAReplicaWithTheWholeRoom() {
        assertThat(accepted(newest(50), 100, 100)).isTrue();
        assertThat(accepted(newest(50), 99, 100)).isFalse();
        assertThat(accepted(newest(50), 0, 0)).isTrue();
        assertThat(accepted(newest(50), 0, 1)).isFalse();
    }

    @Test
    void aBeforePageNeedsTheSeqJustBelowItsCursor() {
        assertThat(PageCoverage.top(before(100, 50))).isEqualTo(99);
        assertThat(accepted(before(100, 50), 99, 500)).isTrue();
        assertThat(accepted(before(100, 50), 98, 500)).isFalse();
        // a cursor past the room's end: the newest page, so the replica must have the whole room
        assertThat(accepted(before(1_000, 50), 120, 120)).isTrue();
        assertThat(accepted(before(1_000, 50), 119, 120)).isFalse();
        assertThat(accepted(before(1, 50), 0, 7)).isTrue();
        assertThat(accepted(before(0, 50), 0, 7)).isTrue();
    }

    @Test
    void anAfterPageNeedsItsRowsAndTheOneThatTellsHasMore() {
        assertThat(PageCoverage.top(after(10, 50))).isEqualTo(61);
        assertThat(accepted(after(10, 50), 61, 500)).isTrue();
        // 50 rows but not the 51st: the replica would say hasMore=false while the primary has more
        assertThat(accepted(after(10, 50), 60, 500)).isFalse();
        // a short page at the room's end: only a replica with the whole room gives it
        assertThat(accepted(after(10, 50), 30, 30)).isTrue();
        assertThat(accepted(after(10, 50), 29, 30)).isFalse();
        // asking after what the replica has
        assertThat(accepted(after(40, 50), 30, 45)).isFalse();
        // asking after the room's end: both pages are empty
        assertThat(accepted(after(40, 50), 30, 40)).isTrue();
    }

    @Test
    void aPageBetweenTwoCursorsNeedsNoMoreThanTheSeqBelowBefore() {
        HistoryQuery between = new HistoryQuery(20L, 10L, 50);
        assertThat(PageCoverage.top(between)).isEqualTo(19);
        assertThat(accepted(between, 19, 500)).isTrue();
        assertThat(accepted(between, 18, 500)).isFalse();
        HistoryQuery wide = new HistoryQuery(1_000L, 10L, 5);
        assertThat(PageCoverage.top(wide)).isEqualTo(16);
        assertThat(accepted(wide, 16, 500)).isTrue();
        assertThat(accepted(wide, 15, 500)).isFalse();
    }

    @Test
    void acceptsExactlyTheReplicaPagesThatEqualThePrimarysForEveryCursorAndPosition() {
        int checked = 0;
        for (long p = 0; p <= 12; p++) {
            for (long r = 0; r <= p; r++) {
                for (int limit = 1; limit <= 4; limit++) {
                    for (Long b : new Long[] {null, 0L, 1L, 3L, 6L, 9L, 13L, 20L}) {
                        for (Long a : new Long[] {null, 0L, 1L, 2L, 5L, 8L, 12L, 15L}) {
                            HistoryQuery q = new HistoryQuery(b, a, limit);
                            boolean equal = page(q, r).equals(page(q, p));
                            assertThat(accepted(q, r, p))
                                    .as("before=%s after=%s limit=%s replica=%s primary=%s", b, a, limit, r, p)
                                    .isEqualTo(equal);
                            checked++;
                        }
                    }
                }
            }
        }
        assertThat(checked).isEqualTo(91 * 4 * 8 * 8);
    }

    @Test
    void cursorsNearTheLargestSeqDoNotOverflow() {
        assertThat(PageCoverage.top(after(Long.MAX_VALUE, 100))).isEqualTo(Long.MAX_VALUE);
        assertThat(PageCoverage.exact(after(Long.MAX_VALUE, 100), -1, false, 5)).isTrue();
    }
}
