package io.parley.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void doublesUpToTheCapAndStartsOverAfterReset() {
        Backoff backoff = new Backoff(100, 5_000);
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            delays.add(backoff.nextDelayMs());
        }

        assertThat(delays).containsExactly(100L, 200L, 400L, 800L, 1600L, 3200L, 5000L, 5000L, 5000L);
        backoff.reset();
        assertThat(backoff.nextDelayMs()).isEqualTo(100);
    }

    @Test
    void rejectsACapBelowTheFirstDelay() {
        assertThatThrownBy(() -> new Backoff(100, 50)).hasMessageContaining("100-50");
    }
}
