package io.parley.load.stats;

import static io.parley.load.stats.SeqTracker.Verdict.DUPLICATE;
import static io.parley.load.stats.SeqTracker.Verdict.IN_ORDER;
import static io.parley.load.stats.SeqTracker.Verdict.OUT_OF_ORDER;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SeqTrackerTest {
    @Test
    void acceptsConsecutiveSeqsAfterTheBaseline() {
        SeqTracker t = new SeqTracker(41);
        assertThat(t.observe(42)).isEqualTo(IN_ORDER);
        assertThat(t.observe(43)).isEqualTo(IN_ORDER);
        assertThat(t.gaps()).isZero();
        assertThat(t.highest()).isEqualTo(43);
    }

    @Test
    void flagsARepeatedSeqAsDuplicate() {
        SeqTracker t = new SeqTracker(0);
        t.observe(1);
        t.observe(2);
        assertThat(t.observe(2)).isEqualTo(DUPLICATE);
        assertThat(t.observe(1)).isEqualTo(DUPLICATE);
    }

    @Test
    void flagsSeqsAtOrBelowTheBaselineAsDuplicates() {
        SeqTracker t = new SeqTracker(10);
        assertThat(t.observe(10)).isEqualTo(DUPLICATE);
        assertThat(t.observe(3)).isEqualTo(DUPLICATE);
    }

    @Test
    void flagsALateArrivalAsOutOfOrderOnceAndThenAsDuplicate() {
        SeqTracker t = new SeqTracker(0);
        t.observe(1);
        assertThat(t.observe(3)).isEqualTo(IN_ORDER);
        assertThat(t.gaps()).isEqualTo(1);
        assertThat(t.observe(2)).isEqualTo(OUT_OF_ORDER);
        assertThat(t.gaps()).isZero();
        assertThat(t.observe(2)).isEqualTo(DUPLICATE);
    }

    @Test
    void remembersEveryMissingSeqOfAGap() {
        SeqTracker t = new SeqTracker(0);
        t.observe(5);
        assertThat(t.gaps()).isEqualTo(4);
        assertThat(t.observe(3)).isEqualTo(OUT_OF_ORDER);
        assertThat(t.observe(1)).isEqualTo(OUT_OF_ORDER);
        assertThat(t.gaps()).isEqualTo(2);
    }

    @Test
    void countsHugeGapsWithoutRememberingThem() {
        SeqTracker t = new SeqTracker(0);
        t.observe(SeqTracker.MAX_TRACKED_GAP + 10);
        assertThat(t.gaps()).isEqualTo(SeqTracker.MAX_TRACKED_GAP + 9);
        assertThat(t.observe(5)).isEqualTo(DUPLICATE);
    }
}
