package io.parley.worker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
