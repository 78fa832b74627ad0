package io.parley.server.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ClosingHandshakeTest {
    private final List<Object> forwarded = new ArrayList<>();
    private final EmbeddedChannel channel =
            new EmbeddedChannel(new ClosingHandshake(new ProtocolViolationLog()), new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    forwarded.add(msg);
                }
            });

    private int nextCloseCode() {
        CloseWebSocketFrame close = channel.readOutbound();
        try {
            return close.statusCode();
        } finally {
            close.release();
        }
    }

    @Test
    void sendsOneCloseFrameDropsLaterWritesAndDiscardsInputUntilTheClientsClose() {
        ClosingHandshake.close(channel, WebSocketCloseStatus.TRY_AGAIN_LATER.code(), "too slow");
        ClosingHandshake.close(channel, WebSocketCloseStatus.POLICY_VIOLATION.code(), "second");
        channel.writeAndFlush(new CloseWebSocketFrame(1000, "a stray one"));
        TextWebSocketFrame late = new TextWebSocketFrame("late");
        channel.writeAndFlush(late);
        assertThat(nextCloseCode()).isEqualTo(1013);
        assertThat((Object) channel.readOutbound())
                .as("nothing after the close frame")
                .isNull();
        assertThat(late.refCnt()).isZero();

        TextWebSocketFrame stillSending = new TextWebSocketFrame("{\"type\":\"ping\"}");
        channel.writeInbound(stillSending);
        assertThat(forwarded).as("application frames stop after the close").isEmpty();
        assertThat(stillSending.refCnt()).isZero();
        assertThat(channel.isActive()).as("still draining").isTrue();

        channel.writeInbound(new CloseWebSocketFrame(1000, ""));
        assertThat(channel.isActive()).as("closed once the client answered").isFalse();
        assertFalse(channel.finish());
    }

    @Test
    void closesTcpAfterTheLingerWhenTheClientNeverAnswers() throws InterruptedException {
        ClosingHandshake.close(channel, 4001, "token expired");
        assertThat(nextCloseCode()).isEqualTo(4001);
        channel.advanceTimeBy(ClosingHandshake.LINGER_MS + 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isActive()).isFalse();
        assertFalse(channel.finish());
    }

    @Test
    void answersAClientCloseWithItsCodeOr1002AndCloses() {
        channel.writeInbound(new CloseWebSocketFrame(4000, "bye"));
        assertThat(nextCloseCode()).isEqualTo(4000);
        assertThat(channel.isActive()).isFalse();

        EmbeddedChannel other = new EmbeddedChannel(new ClosingHandshake(new ProtocolViolationLog()));
        other.writeInbound(new CloseWebSocketFrame(true, 0, Unpooled.wrappedBuffer(new byte[] {0x03, (byte) 0xE7})));
        CloseWebSocketFrame answer = other.readOutbound();
        assertThat(answer.statusCode()).as("999 is no code a peer may send").isEqualTo(1002);
        answer.release();
        assertFalse(other.finish());
        assertFalse(channel.finish());
    }

    @Test
    void aProtocolViolationClosesWithTheDecodersCodeInsteadOfPropagating() {
        channel.pipeline()
                .fireExceptionCaught(
                        new CorruptedWebSocketFrameException(WebSocketCloseStatus.MESSAGE_TOO_BIG, "Max frame length"));
        assertThat(nextCloseCode()).isEqualTo(1009);
        assertThat(channel.isActive()).isTrue();
        channel.advanceTimeBy(ClosingHandshake.CORRUPT_LINGER_MS + 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isActive()).isFalse();
        assertFalse(channel.finish());
    }

    @Test
    void validPeerCodesFollowRfc6455() {
        assertThat(ClosingHandshake.isValidFromPeer(1000)).isTrue();
        assertThat(ClosingHandshake.isValidFromPeer(1011)).isTrue();
        assertThat(ClosingHandshake.isValidFromPeer(4999)).isTrue();
        for (int invalid : new int[] {0, 999, 1004, 1005, 1006, 1015, 2999, 5000}) {
            assertThat(ClosingHandshake.isValidFromPeer(invalid))
                    .as("code %d", invalid)
                    .isFalse();
        }
    }
}
