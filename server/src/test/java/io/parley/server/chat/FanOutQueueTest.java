package io.parley.server.chat;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.Json;
import io.parley.protocol.ServerFrame;
import io.parley.server.auth.Principal;
import io.parley.server.metrics.Metrics;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class FanOutQueueTest {
    private final FrameCodec codec = new FrameCodec(Json.newMapper());
    private final Metrics metrics = new Metrics();

    private Connection connection(EmbeddedChannel ch, String name) {
        return new Connection(name, new Principal(1, name, Instant.MAX), ch, codec, metrics, 20, 40);
    }

    private static ByteBuf frame(String text) {
        return WireFrames.text(UnpooledByteBufAllocator.DEFAULT, text.getBytes(UTF_8));
    }

    private static String read(EmbeddedChannel ch) {
        ByteBuf wire = ch.readOutbound();
        try {
            return wire.toString(2, wire.getUnsignedByte(1), UTF_8);
        } finally {
            wire.release();
        }
    }

    @Test
    void drainsEverythingQueuedInOrderToEveryTargetAndReleasesTheSharedFrames() {
        EmbeddedChannel a = new EmbeddedChannel();
        EmbeddedChannel b = new EmbeddedChannel();
        FanOutQueue queue = new FanOutQueue(a.eventLoop(), metrics);
        Connection ca = connection(a, "a");
        Connection cb = connection(b, "b");
        ByteBuf first = frame("{\"n\":1}");
        ByteBuf second = frame("{\"n\":2}");
        queue.add(first, 0, List.of(ca, cb));
        queue.add(second, 0, List.of(ca));
        a.runPendingTasks();
        b.runPendingTasks();
        assertThat(read(a)).isEqualTo("{\"n\":1}");
        assertThat(read(a)).isEqualTo("{\"n\":2}");
        assertThat(read(b)).isEqualTo("{\"n\":1}");
        assertThat(first.refCnt()).isZero();
        assertThat(second.refCnt()).isZero();
        assertThat(metrics.render()).contains("parley_ws_frames_out_total{type=\"event\"} 3");
        assertFalse(a.finish());
        assertFalse(b.finish());
    }

    @Test
    void dropsBroadcastsBeyondItsBoundInsteadOfGrowing() {
        EmbeddedChannel ch = new EmbeddedChannel();
        FanOutQueue queue = new FanOutQueue(ch.eventLoop(), metrics);
        Connection c = connection(ch, "c");
        ByteBuf frame = frame("{}");
        for (int i = 0; i <= FanOutQueue.MAX_PENDING; i++) {
            queue.add(frame.retain(), 0, List.of(c));
        }
        frame.release();
        assertThat(metrics.render()).contains("parley_fanout_dropped_total 1");
        ch.runPendingTasks();
        for (Object written; (written = ch.readOutbound()) != null; ) {
            io.netty.util.ReferenceCountUtil.release(written); // frames, then the slow-reader close
        }
        assertThat(frame.refCnt()).isZero();
        assertFalse(ch.finish());
    }

    @Test
    void writesAnAckAndTheMessagesHeldBehindItWithOneFlush() {
        EmbeddedChannel ch = new EmbeddedChannel();
        int[] flushes = {0};
        ch.pipeline().addFirst(new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(io.netty.channel.ChannelHandlerContext ctx) {
                flushes[0]++;
                ctx.flush();
            }
        });
        FanOutQueue queue = new FanOutQueue(ch.eventLoop(), metrics);
        Connection c = connection(ch, "c");
        c.sendPending(42);
        ByteBuf own = frame("{\"type\":\"message\",\"id\":\"42\"}");
        queue.add(own, 42, List.of(c)); // arrives before its ack: held back
        queue.acknowledge(c, 42, new ServerFrame.Ack("s1", "r", "42", null));
        queue.add(frame("{\"n\":2}"), 0, List.of(c));
        ch.runPendingTasks();
        assertThat(flushes[0]).as("one flush for the whole drain").isEqualTo(1);
        io.netty.handler.codec.http.websocketx.TextWebSocketFrame ack = ch.readOutbound();
        try {
            assertThat(ack.content().toString(UTF_8)).contains("\"type\":\"ack\"", "\"id\":\"42\"");
        } finally {
            ack.release();
        }
        assertThat(read(ch)).contains("\"id\":\"42\"");
        assertThat(read(ch)).isEqualTo("{\"n\":2}");
        assertThat(own.refCnt()).isZero();
        assertFalse(ch.finish());
    }
}
