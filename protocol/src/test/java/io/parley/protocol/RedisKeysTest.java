package io.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedisKeysTest {
    @Test
    void oneRedisKeepsTheNamesOfEarlierReleasesSoQueuedEnvelopesAreFoundAfterAnUpgrade() {
        RedisKeys keys = new RedisKeys("parley:");

        assertThat(keys.queue(3)).isEqualTo("parley:queue:3");
        assertThat(keys.inflight(3)).isEqualTo("parley:queue:3:inflight");
        assertThat(keys.lease(3)).isEqualTo("parley:queue:3:lease");
        assertThat(keys.clientMsgId(3, "42", "c-1")).isEqualTo("parley:cmid:42:c-1");
        assertThat(keys.presence("42")).isEqualTo("parley:presence:42");
        assertThat(keys.liveServers()).isEqualTo("parley:servers");
    }

    @Test
    void onAClusterTheKeysOfOneScriptShareAHashTag() {
        RedisKeys keys = new RedisKeys("parley:", true);

        assertThat(java.util.List.of(keys.queue(3), keys.inflight(3), keys.lease(3), keys.clientMsgId(3, "42", "c-1")))
                .allMatch(k -> k.contains("{3}") && k.indexOf('{') == k.lastIndexOf('{'));
        assertThat(java.util.List.of(keys.presence("42"), keys.serverUsers("s1"), keys.liveServers()))
                .allMatch(k -> k.startsWith("parley:{presence}:"));
        assertThat(keys.roomChannel("lobby")).isEqualTo("parley:room:lobby");
    }
}
