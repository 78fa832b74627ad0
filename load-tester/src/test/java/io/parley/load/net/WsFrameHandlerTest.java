package io.parley.load.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.Json;
import io.parley.protocol.RoomCursor;
import io.parley.protocol.ServerFrame;
import io.parley.protocol.User;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class WsFrameHandlerTest {
    private final FrameCodec codec = new FrameCodec(Json.newMapper());
    private final List<InboundFrame> frames = new ArrayList<>();
    private final List<Integer> closes = new ArrayList<>();
    private final Connection connection = new Connection(
            7,
            codec,
            new ConnectionListener() {
                @Override
                public void onFrame(Connection c, InboundFrame frame, long receivedNanos) {
                    frames.add(frame);
                }

                @Override
                public void onClosed(Connection c, int closeCode) {
                    closes.add(closeCode);
                }
            },
            System.nanoTime());
    private final EmbeddedChannel ch = new EmbeddedChannel(new WsFrameHandler(connection, new FrameReader(codec)));

    {
        connection.attach(ch);
    }

    private static TextWebSocketFrame text(byte[] json) {
        // A direct buffer, as from the socket: read through the per-thread scratch array.
        return new TextWebSocketFrame(Unpooled.directBuffer(json.length).writeBytes(json));
    }

    @Test
    void completesReadyWithTheReadyFrame() throws Exception {
        ServerFrame.Ready ready = new ServerFrame.Ready(new User("1", "a"), List.of(new RoomCursor("r", 3)), "s1");
        ch.writeInbound(text(codec.encode(ready)));

        assertThat(connection.ready().get()).isEqualTo(ready);
        assertThat(connection.connectNanos()).isPositive();
        assertThat(frames).singleElement().extracting(InboundFrame::type).isEqualTo("ready");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void passesMessageFramesToTheListener() {
        ch.writeInbound(
                text(codec.encode(new ServerFrame.Message("9", "r", 4, "a", "hi", "t.1", "2026-01-01T00:00:00.000Z"))));

        assertThat(frames).singleElement().satisfies(f -> {
            assertThat(f.seq()).isEqualTo(4);
            assertThat(f.clientMsgId()).isEqualTo("t.1");
        });
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void answersACloseFrameRecordsItsCodeAndFailsReady() {
        ch.writeInbound(new CloseWebSocketFrame(1008, "policy"));

        CloseWebSocketFrame reply = ch.readOutbound();
        assertThat(reply.statusCode()).isEqualTo(1008);
        reply.release();
        assertThat(ch.isOpen()).isFalse();
        assertThat(closes).containsExactly(1008);
        assertThatThrownBy(() -> connection.ready().get())
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(ConnectFailure.class)
                .hasMessageContaining("1008");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void closesOnAFrameThatIsNotJson() {
        ch.writeInbound(text("not json".getBytes(StandardCharsets.UTF_8)));

        assertThat(ch.isOpen()).isFalse();
        assertThat(closes).containsExactly(Connection.ABNORMAL_CLOSE);
        assertThat(ConnectFailure.reasonOf(catchFailure())).isEqualTo("io");
        assertThat(ch.finish()).isFalse();
    }

    private Throwable catchFailure() {
        try {
            connection.ready().get();
            throw new AssertionError("ready completed");
        } catch (ExecutionException e) {
            return e;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
