package io.parley.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class FrameBatchTest {
    private static final byte[] FIRST = "{\"type\":\"message\",\"id\":\"1\"}".getBytes(UTF_8);
    private static final byte[] SECOND = "{\"type\":\"message\",\"id\":\"2\",\"body\":\"é\"}".getBytes(UTF_8);

    @Test
    void aSingleFrameTravelsAsItselfAndReadsBackAsOne() {
        byte[] payload = FrameBatch.encode(List.of(FIRST));

        assertThat(payload).isSameAs(FIRST);
        assertThat(FrameBatch.isBatch(payload)).isFalse();
        assertThat(FrameBatch.frames(payload)).containsExactly(FIRST);
    }

    @Test
    void severalFramesReadBackInOrder() {
        byte[] payload = FrameBatch.encode(List.of(FIRST, SECOND, FIRST));

        assertThat(FrameBatch.isBatch(payload)).isTrue();
        assertThat(FrameBatch.frames(payload)).containsExactly(FIRST, SECOND, FIRST);
    }

    @Test
    void rejectsATruncatedBatch() {
        byte[] payload = FrameBatch.encode(List.of(FIRST, SECOND));
        byte[] truncated = java.util.Arrays.copyOf(payload, payload.length - 1);
        byte[] cutInLength = java.util.Arrays.copyOf(payload, 3);

        assertThatThrownBy(() -> FrameBatch.frames(truncated)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FrameBatch.frames(cutInLength)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FrameBatch.encode(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
