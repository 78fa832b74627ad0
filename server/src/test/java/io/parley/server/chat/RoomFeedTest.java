package io.parley.server.chat;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.parley.protocol.FrameCodec;
import io.parley.protocol.Json;
import io.parley.protocol.ServerFrame;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoomFeedTest {
    private final FrameCodec codec = new FrameCodec(Json.newMapper());

    private byte[] message(long seq) {
        // A body that looks like a seq field must not be read as one.
        return codec.encode(new ServerFrame.Message(
                Long.toString(1000 + seq), "lobby", seq, "alice", "\"seq\":999", null, "2026-01-01T00:00:00.000Z"));
    }

    @Test
    void readsTheSeqOfAnEncodedMessageFrame() {
        assertThat(RoomFeed.seqOf(message(42))).isEqualTo(42);
        assertThat(RoomFeed.seqOf(message(1))).isEqualTo(1);
        assertThat(new String(message(7), UTF_8)).contains("\"seq\":7");
    }

    @Test
    void fansOutEachSeqOnceAndDropsOldOnes() {
        RoomFeed feed = new RoomFeed(0);
        assertThat(feed.lastSeq()).isEqualTo(-1);
        assertThat(feed.offer(message(1))).isTrue();
        assertThat(feed.offer(message(2))).isTrue();
        assertThat(feed.offer(message(2))).as("republished duplicate").isFalse();
        assertThat(feed.offer(message(1))).isFalse();
        assertThat(feed.offer(message(5))).as("a gap is the client's to fill").isTrue();
        assertThat(feed.lastSeq()).isEqualTo(5);
    }

    @Test
    void holdsLiveMessagesWhileCatchingUpAndHandsThemBackInOrder() {
        RoomFeed feed = new RoomFeed(0);
        feed.offer(message(1));
        feed.startCatchUp(7);
        assertThat(feed.catchUpGeneration()).isEqualTo(7);
        assertThat(feed.offer(message(4))).as("held").isFalse();
        assertThat(feed.offer(message(5))).as("held").isFalse();
        // The missed ones from the database go first...
        assertThat(feed.advance(2)).isTrue();
        assertThat(feed.advance(3)).isTrue();
        assertThat(feed.advance(4)).isTrue();
        // ...then the held ones, minus what the database already gave.
        List<byte[]> held = feed.endCatchUp();
        assertThat(held).extracting(RoomFeed::seqOf).containsExactly(4L, 5L);
        assertThat(held.stream().filter(f -> feed.advance(RoomFeed.seqOf(f))))
                .extracting(RoomFeed::seqOf)
                .containsExactly(5L);
        assertThat(feed.catchUpGeneration()).isZero();
        assertThat(feed.offer(message(6))).isTrue();
    }

    @Test
    void holdsAtMostItsBoundAndCountsTheRestAsDropped() {
        RoomFeed feed = new RoomFeed(0);
        feed.startCatchUp(1);
        for (int seq = 1; seq <= RoomFeed.MAX_HELD + 3; seq++) {
            feed.offer(message(seq));
        }
        assertThat(feed.endCatchUp()).hasSize(RoomFeed.MAX_HELD);
        assertThat(feed.takeDropped()).isEqualTo(3);
        assertThat(feed.takeDropped()).isZero();
    }
}
