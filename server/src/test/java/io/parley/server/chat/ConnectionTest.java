package io.parley.server.chat;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.Json;
import io.parley.protocol.ServerFrame;
import io.parley.server.auth.Principal;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ConnectionTest {
    private final FrameCodec codec = new FrameCodec(Json.newMapper());
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final Connection connection = new Connection(
            "c-1",
            new Principal(1, "alice", Instant.MAX),
            channel,
            codec,
            new io.parley.server.metrics.Metrics(),
            20,
            40);

    private ByteBuf message(long id, long seq) {
        return WireFrames.text(
                UnpooledByteBufAllocator.DEFAULT,
                codec.encode(new ServerFrame.Message(
                        Long.toString(id), "r", seq, "alice", "b", null, "2026-11-27T00:00:00.000Z")));
    }

    /** The next frame written: a reply (a TextWebSocketFrame) or an encoded broadcast (header and payload). */
    private String nextWritten() {
        Object written = channel.readOutbound();
        if (written instanceof TextWebSocketFrame frame) {
            try {
                return frame.content().toString(UTF_8);
            } finally {
                frame.release();
            }
        }
        ByteBuf wire = (ByteBuf) written;
        try {
            assertThat(wire.getUnsignedByte(0)).as("FIN + text opcode").isEqualTo((short) 0x81);
            int length = wire.getUnsignedByte(1);
            assertThat(length).as("short payload, unmasked").isLessThan(126);
            assertThat(wire.readableBytes()).isEqualTo(2 + length);
            return wire.toString(2, length, UTF_8);
        } finally {
            wire.release();
        }
    }

    @Test
    void holdsBackItsOwnMessageAndEverythingAfterItUntilTheAckIsWritten() {
        connection.sendPending(42);
        connection.deliver(message(42, 1), 42);
        connection.deliver(message(43, 2), 43); // someone else's, but after ours: order is kept
        connection.flushDelivered();
        assertThat((Object) channel.readOutbound()).isNull();

        connection.acknowledged(42, new ServerFrame.Ack("s1", "r", "42", null));
        assertThat(nextWritten()).contains("\"type\":\"ack\"", "\"id\":\"42\"");
        assertThat(nextWritten()).contains("\"seq\":1");
        assertThat(nextWritten()).contains("\"seq\":2");
        assertFalse(channel.finish());
    }

    @Test
    void deliversOthersMessagesAtOnceWhenNothingOfItsOwnIsPending() {
        connection.sendPending(7);
        connection.deliver(message(99, 5), 99);
        connection.flushDelivered();
        assertThat(nextWritten()).contains("\"id\":\"99\"");
        assertFalse(channel.finish());
    }

    @Test
    void dropsFramesForAClosedConnectionWithoutLeaking() {
        ByteBuf frame = message(1, 1);
        connection.markClosed();
        connection.deliver(frame, 1);
        assertThat(frame.refCnt()).isZero();
        assertFalse(channel.finish());
    }

    @Test
    void rateLimitAdmitsTheBurstThenCountsStrikes() {
        int admitted = 0;
        for (int i = 0; i < 45; i++) {
            if (connection.admit() == 0) {
                admitted++;
            }
        }
        assertThat(admitted).isBetween(40, 41);
        assertThat(connection.strikes()).isGreaterThanOrEqualTo(4);
    }
}
