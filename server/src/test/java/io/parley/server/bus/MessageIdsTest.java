package io.parley.server.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MessageIdsTest {
    @Test
    void idsAreUniqueIncreasingAndCarryTheNode() {
        MessageIds ids = new MessageIds(513);
        Set<Long> seen = new HashSet<>();
        long last = 0;
        for (int i = 0; i < 100_000; i++) {
            long id = ids.next();
            assertThat(id).isGreaterThan(last);
            assertThat((id >> 12) & 1023).isEqualTo(513);
            seen.add(id);
            last = id;
        }
        assertThat(seen).hasSize(100_000);
        assertThat(new MessageIds(514).next() >> 12 & 1023).isEqualTo(514);
    }

    @Test
    void refusesNodesOutsideTenBits() {
        assertThatThrownBy(() -> new MessageIds(1024)).hasMessageContaining("1024");
    }
}
