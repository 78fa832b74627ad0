package io.parley.load.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OpenLoopScheduleTest {
    @Test
    void spacesMessagesEvenlyFromTheStart() {
        OpenLoopSchedule s = new OpenLoopSchedule(1_000, 4, 100);
        assertThat(s.intendedNanos(0)).isEqualTo(1_000);
        assertThat(s.intendedNanos(1)).isEqualTo(1_000 + 250_000_000);
        assertThat(s.intendedNanos(4)).isEqualTo(1_000 + 1_000_000_000);
    }

    @Test
    void countsDueMessagesAtExactBoundaries() {
        OpenLoopSchedule s = new OpenLoopSchedule(0, 1000, 10);
        assertThat(s.dueBy(-1)).isZero();
        assertThat(s.dueBy(0)).isEqualTo(1);
        assertThat(s.dueBy(999_999)).isEqualTo(1);
        assertThat(s.dueBy(1_000_000)).isEqualTo(2);
        assertThat(s.dueBy(5_500_000)).isEqualTo(6);
    }

    @Test
    void neverDuesMoreThanTheTotal() {
        OpenLoopSchedule s = new OpenLoopSchedule(0, 1000, 10);
        assertThat(s.dueBy(Long.MAX_VALUE / 2)).isEqualTo(10);
    }

    @Test
    void dueCountAgreesWithIntendedTimesForOddRates() {
        OpenLoopSchedule s = new OpenLoopSchedule(17, 3333.3, 100_000);
        for (long i = 0; i < 100_000; i += 997) {
            long t = s.intendedNanos(i);
            assertThat(s.dueBy(t)).isEqualTo(i + 1);
            assertThat(s.dueBy(t - 1)).isLessThanOrEqualTo(i);
        }
    }

    @Test
    void rejectsANonPositiveRate() {
        assertThatThrownBy(() -> new OpenLoopSchedule(0, 0, 1)).hasMessageContaining("rate: 0.0");
    }
}
