package io.parley.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReplicaBreakerTest {
    private final AtomicLong now = new AtomicLong(-5); // nanoTime may be negative; only differences count
    private final ReplicaBreaker breaker = new ReplicaBreaker(2_000, now::get);

    @Test
    void allowsEveryReadWhileTheReplicaWorks() {
        assertThat(breaker.allows()).isTrue();
        assertThat(breaker.allows()).isTrue();
        assertThat(breaker.isOpen()).isFalse();
    }

    @Test
    void keepsReadsOffAFailedReplicaThenLetsOneReadTryAgain() {
        breaker.failed(new SQLException("Connection refused"));
        assertThat(breaker.isOpen()).isTrue();
        assertThat(breaker.allows()).isFalse();
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1_999));
        assertThat(breaker.allows()).isFalse();
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
        assertThat(breaker.allows()).as("one read tries the replica again").isTrue();
        assertThat(breaker.allows())
                .as("the others keep to the primary meanwhile")
                .isFalse();
        breaker.failed(new SQLException("still down"));
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(2_000));
        assertThat(breaker.allows()).isTrue();
        breaker.succeeded();
        assertThat(breaker.isOpen()).isFalse();
        assertThat(breaker.allows()).isTrue();
        assertThat(breaker.allows()).isTrue();
    }
}
