package io.parley.worker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StatementSizesTest {
    @Test
    void padsToTheNextPowerOfTwo() {
        assertThat(StatementSizes.padded(1)).isEqualTo(1);
        assertThat(StatementSizes.padded(3)).isEqualTo(4);
        assertThat(StatementSizes.padded(64)).isEqualTo(64);
        assertThat(StatementSizes.padded(65)).isEqualTo(128);
        assertThat(StatementSizes.padded(StatementSizes.MAX)).isEqualTo(StatementSizes.MAX);
        assertThatThrownBy(() -> StatementSizes.padded(StatementSizes.MAX + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StatementSizes.padded(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void splitsRowsIntoRepeatingSizesThatAddUp() {
        assertThat(StatementSizes.chunks(0)).isEmpty();
        assertThat(StatementSizes.chunks(70)).containsExactly(64, 4, 2);
        assertThat(StatementSizes.chunks(2 * StatementSizes.MAX + 7)).containsExactly(256, 256, 4, 2, 1);
        Set<Integer> texts = new HashSet<>();
        for (int n = 0; n <= 3 * StatementSizes.MAX; n++) {
            assertThat(StatementSizes.chunks(n).stream()
                            .mapToInt(Integer::intValue)
                            .sum())
                    .isEqualTo(n);
            texts.addAll(StatementSizes.chunks(n));
        }
        assertThat(texts).hasSize(9); // 1, 2, 4, ... 256: nine statement texts for every batch size
    }
}
