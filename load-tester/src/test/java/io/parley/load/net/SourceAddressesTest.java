package io.parley.load.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SourceAddressesTest {
    @Test
    void movesToTheNextAddressEveryPerAddressConnections() {
        SourceAddresses s = new SourceAddresses("127.0.0.2", 20_000);
        assertThat(s.forConnection(0).getHostAddress()).isEqualTo("127.0.0.2");
        assertThat(s.forConnection(19_999).getHostAddress()).isEqualTo("127.0.0.2");
        assertThat(s.forConnection(20_000).getHostAddress()).isEqualTo("127.0.0.3");
        assertThat(s.forConnection(5_000_000).getHostAddress()).isEqualTo("127.0.0.252");
        assertThat(s.addressesFor(40_001)).isEqualTo(3);
        assertThat(s.baseAfter(3)).isEqualTo("127.0.0.5");
    }

    @Test
    void carriesIntoTheNextOctet() {
        assertThat(new SourceAddresses("127.0.0.255", 1).forConnection(1).getHostAddress())
                .isEqualTo("127.0.1.0");
    }

    @Test
    void noneLetsTheKernelPick() {
        SourceAddresses s = new SourceAddresses("none", 10);
        assertThat(s.enabled()).isFalse();
        assertThat(s.forConnection(5)).isNull();
        assertThat(s.baseAfter(2)).isEqualTo("none");
    }

    @Test
    void rejectsIpv6AndNonsense() {
        assertThatThrownBy(() -> new SourceAddresses("::1", 1)).hasMessageContaining("IPv4");
        assertThatThrownBy(() -> new SourceAddresses("127.0.0.2", 0)).hasMessageContaining("per-source: 0");
    }

    @Test
    void targetsRoundRobinAndDeriveTheRestBase() {
        Targets t = Targets.parse(java.util.List.of("ws://127.0.0.1:8080/ws", "ws://127.0.0.1:8081"));
        assertThat(t.forConnection(0).uri().toString()).isEqualTo("ws://127.0.0.1:8080/ws");
        assertThat(t.forConnection(3).uri().toString()).isEqualTo("ws://127.0.0.1:8081/ws");
        assertThat(t.first().httpBase().toString()).isEqualTo("http://127.0.0.1:8080");
        assertThatThrownBy(() -> Target.parse("http://x/ws")).hasMessageContaining("expected: ws://");
    }
}
