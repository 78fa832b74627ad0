package io.parley.server.chat;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.Json;
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
}
