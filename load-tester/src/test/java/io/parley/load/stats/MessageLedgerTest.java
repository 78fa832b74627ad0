package io.parley.load.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MessageLedgerTest {
    @Test
    void anAckOrAnErrorAnswersASendOnce() {
        MessageLedger ledger = new MessageLedger(3);
        ledger.sent(0, 10);
        ledger.sent(1, 20);
        assertThat(ledger.acked(0)).isTrue();
        assertThat(ledger.acked(0)).isFalse();
        assertThat(ledger.failed(0)).isFalse();
        assertThat(ledger.failed(1)).isTrue();
        assertThat(ledger.acked(2)).as("never sent").isFalse();
        assertThat(ledger.state(0)).isEqualTo(MessageLedger.ACKED);
        assertThat(ledger.state(1)).isEqualTo(MessageLedger.FAILED);
        assertThat(ledger.state(2)).isEqualTo(MessageLedger.PLANNED);
        assertThat(ledger.sentNanos(1)).isEqualTo(20);
    }

    @Test
    void remembersTheFirstSeqSoOthersCanBeCompared() {
        MessageLedger ledger = new MessageLedger(1);
        assertThat(ledger.delivered(0, 7)).isEqualTo(7);
        assertThat(ledger.delivered(0, 7)).isEqualTo(7);
        assertThat(ledger.delivered(0, 8)).isEqualTo(7);
        assertThat(ledger.deliveries(0)).isEqualTo(3);
    }

    @Test
    void knowsItsIndexes() {
        MessageLedger ledger = new MessageLedger(2);
        assertThat(ledger.contains(-1)).isFalse();
        assertThat(ledger.contains(1)).isTrue();
        assertThat(ledger.contains(2)).isFalse();
        assertThatThrownBy(() -> new MessageLedger(MessageLedger.MAX_MESSAGES + 1))
                .hasMessageContaining("messages:");
    }
}
