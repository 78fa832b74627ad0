package io.parley.load.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MessageIdsTest {
    private final MessageIds ids = new MessageIds("abc123");

    @Test
    void roundTripsMessageNumbers() {
        for (long i : new long[] {0, 1, 35, 36, 1_234_567, 49_999_999}) {
            assertThat(ids.parseClientMsgId(ids.clientMsgId(i))).isEqualTo(i);
            assertThat(ids.parseRef(ids.ref(i))).isEqualTo(i);
        }
    }

    @Test
    void ignoresIdsOfOtherRunsAndOtherClients() {
        assertThat(ids.parseClientMsgId(new MessageIds("zzz").clientMsgId(5))).isEqualTo(-1);
        assertThat(ids.parseClientMsgId(null)).isEqualTo(-1);
        assertThat(ids.parseClientMsgId("abc123.")).isEqualTo(-1);
        assertThat(ids.parseClientMsgId("abc123.x-y")).isEqualTo(-1);
        assertThat(ids.parseRef("j7")).isEqualTo(Long.parseLong("j7", 36));
        assertThat(ids.parseRef("J7")).isEqualTo(-1);
    }

    @Test
    void fitsTheProtocolsClientMsgIdLimit() {
        assertThat(MessageIds.random().clientMsgId(Long.MAX_VALUE).length()).isLessThanOrEqualTo(64);
        assertThatThrownBy(() -> new MessageIds("has.dot")).hasMessageContaining("tag");
    }
}
