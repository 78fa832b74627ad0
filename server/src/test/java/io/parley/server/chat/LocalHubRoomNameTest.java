package io.parley.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LocalHubRoomNameTest {
    @Test
    void equalNamesFromDifferentSourcesShareOneCopy() {
        // Two distinct String objects, as two database rows or two decoded client frames give them.
        String fromRow = new String("lobby-" + 42);
        String fromFrame = new String("lobby-42".toCharArray());
        assertThat(fromRow).isNotSameAs(fromFrame);

        assertThat(LocalHub.roomName(fromRow)).isEqualTo("lobby-42").isSameAs(LocalHub.roomName(fromFrame));
    }
}
