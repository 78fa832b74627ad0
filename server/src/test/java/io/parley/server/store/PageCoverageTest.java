package io.parley.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.protocol.HistoryQuery;
import org.junit.jupiter.api.Test;

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

    @Test
    void theNewestPageNeedsAReplicaWithTheWholeRoom() {
        assertThat(PageCoverage.replicaAnswers(newest(50), 100, 100)).isTrue();
        assertThat(PageCoverage.replicaAnswers(newest(50), 99, 100)).isFalse();
        assertThat(PageCoverage.replicaAnswers(newest(50), 0, 0)).isTrue();
    }

    @Test
    void aBeforePageNeedsTheSeqJustBelowItsCursor() {
        // seqs 50..99 and the probe row 49: all at or below 99
        assertThat(PageCoverage.top(before(100, 50))).isEqualTo(99);
        assertThat(PageCoverage.replicaAnswers(before(100, 50), 99, 500)).isTrue();
        assertThat(PageCoverage.replicaAnswers(before(100, 50), 98, 500)).isFalse();
        // a cursor past the room's end: the page is the newest, so the replica must have the whole room
        assertThat(PageCoverage.replicaAnswers(before(1_000, 50), 120, 120)).isTrue();
        assertThat(PageCoverage.replicaAnswers(before(1_000, 50), 119, 120)).isFalse();
        assertThat(PageCoverage.replicaAnswers(before(0, 50), 0, 7)).isTrue();
    }

    @Test
    void anAfterPageNeedsItsRowsAndTheOneThatTellsHasMore() {
        // seqs 11..60 and the probe row 61
        assertThat(PageCoverage.top(after(10, 50))).isEqualTo(61);
        assertThat(PageCoverage.replicaAnswers(after(10, 50), 61, 500)).isTrue();
        // 60 rows but not the 61st: the replica would answer hasMore=false while the primary has more
        assertThat(PageCoverage.replicaAnswers(after(10, 50), 60, 500)).isFalse();
        // a short page at the room's end: only a replica with the whole room gives it
        assertThat(PageCoverage.replicaAnswers(after(10, 50), 30, 30)).isTrue();
        assertThat(PageCoverage.replicaAnswers(after(10, 50), 29, 30)).isFalse();
        // a client asking after what the replica has: the primary
        assertThat(PageCoverage.replicaAnswers(after(40, 50), 30, 45)).isFalse();
    }

    @Test
    void aPageBetweenTwoCursorsNeedsNoMoreThanTheSeqBelowBefore() {
        HistoryQuery between = new HistoryQuery(20L, 10L, 50);
        assertThat(PageCoverage.top(between)).isEqualTo(19);
        assertThat(PageCoverage.replicaAnswers(between, 19, 500)).isTrue();
        assertThat(PageCoverage.replicaAnswers(between, 18, 500)).isFalse();
        HistoryQuery wide = new HistoryQuery(1_000L, 10L, 5);
        assertThat(PageCoverage.top(wide)).isEqualTo(16);
    }

    @Test
    void cursorsNearTheLargestSeqDoNotOverflow() {
        assertThat(PageCoverage.top(after(Long.MAX_VALUE, 100))).isEqualTo(Long.MAX_VALUE);
        assertThat(PageCoverage.replicaAnswers(after(Long.MAX_VALUE, 100), 5, 5))
                .isTrue();
        assertThat(PageCoverage.replicaAnswers(after(Long.MAX_VALUE, 100), 4, 5))
                .isFalse();
    }
}
