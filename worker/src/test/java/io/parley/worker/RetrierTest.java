package io.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetrierTest {
    private final Retrier retrier = new Retrier();
    private final Outage outage = new Outage("Test");

    @Test
    void retriesUntilTheOperationSucceedsAndEndsTheOutage() {
        AtomicInteger attempts = new AtomicInteger();

        String result = retrier.call(
                outage,
                () -> {
                    if (attempts.incrementAndGet() < 3) {
                        throw new IOException("down");
                    }
                    assertThat(outage.isDown()).isTrue();
                    return "ok";
                },
                () -> true);

        assertThat(result).isEqualTo("ok");
        assertThat(attempts).hasValue(3);
        assertThat(outage.isDown()).isFalse();
    }

    @Test
    void givesUpWhenTheCallerNoLongerWantsTheResult() {
        AtomicInteger attempts = new AtomicInteger();

        assertThatThrownBy(() -> retrier.call(
                        outage,
                        () -> {
                            attempts.incrementAndGet();
                            throw new IOException("down");
                        },
                        () -> false))
                .isInstanceOf(Retrier.Abandoned.class);
        assertThat(attempts).hasValue(1);
    }

    @Test
    void anInterruptAbandonsTheWait() {
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> retrier.call(
                            outage,
                            () -> {
                                throw new IOException("down");
                            },
                            () -> true))
                    .isInstanceOf(Retrier.Abandoned.class)
                    .hasMessage("interrupted");
        } finally {
            Thread.interrupted();
        }
    }
}
