package io.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.compression.WebSocketClientCompressionHandler;
import io.parley.server.support.Rest;
import io.parley.server.support.Stack;
import java.net.URI;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * permessage-deflate with a real client that negotiates it (Netty's, as browsers do): compressed frames work, the
 * 16 KiB limit applies after decompression, and a zip bomb closes with 1009 without costing the server anything.
 */
class DeflateIT {
    private static Stack stack;
    private static int port;
    private static Rest.Account account;
    private static final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @BeforeAll
    static void start() throws Exception {
        stack = new Stack();
        port = stack.startServer("deflate").port();
        account = new Rest(port).newAccount("zip");
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        stack.close();
    }

    /** A connected client whose outgoing text frames its pipeline compresses. */
    private static final class DeflateClient implements AutoCloseable {
        final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        final CompletableFuture<Void> handshake = new CompletableFuture<>();
        final Channel channel;

        DeflateClient() throws InterruptedException {
            var headers = new DefaultHttpHeaders().set("Authorization", "Bearer " + account.token());
            var config = WebSocketClientProtocolConfig.newBuilder()
                    .webSocketUri(URI.create("ws://127.0.0.1:" + port + "/ws"))
                    .subprotocol("parley.v1")
                    .allowExtensions(true)
                    .customHeaders(headers)
                    .handleCloseFrames(false)
                    .build();
            channel = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast(
                                            new HttpClientCodec(),
                                            new HttpObjectAggregator(65536),
                                            WebSocketClientCompressionHandler.INSTANCE,
                                            new WebSocketClientProtocolHandler(config),
                                            new SimpleChannelInboundHandler<WebSocketFrame>() {
                                                @Override
                                                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                                    if (evt
                                                            == WebSocketClientProtocolHandler.ClientHandshakeStateEvent
                                                                    .HANDSHAKE_COMPLETE) {
                                                        handshake.complete(null);
                                                    }
                                                }

                                                @Override
                                                protected void channelRead0(
                                                        ChannelHandlerContext ctx, WebSocketFrame f) {
                                                    if (f instanceof TextWebSocketFrame t) {
                                                        texts.add(t.text());
                                                    } else if (f instanceof CloseWebSocketFrame c) {
                                                        closeCode.complete(c.statusCode());
                                                    }
                                                }

                                                @Override
                                                public void channelInactive(ChannelHandlerContext ctx) {
                                                    closeCode.complete(1006);
                                                }
                                            });
                        }
                    })
                    .connect("127.0.0.1", port)
                    .sync()
                    .channel();
            handshake.orTimeout(15, TimeUnit.SECONDS).join();
        }

        boolean negotiatedDeflate() {
            return channel.pipeline().toMap().values().stream()
                    .anyMatch(h -> h.getClass().getSimpleName().startsWith("PerMessageDeflate"));
        }

        void send(String text) {
            channel.writeAndFlush(new TextWebSocketFrame(text)).syncUninterruptibly();
        }

        String next() throws InterruptedException {
            String text = texts.poll(15, TimeUnit.SECONDS);
            assertThat(text).as("a frame within 15 s").isNotNull();
            return text;
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
        }
    }

    @Test
    void negotiatesDeflateAndAnswersCompressedFrames() throws Exception {
        try (DeflateClient c = new DeflateClient()) {
            assertThat(c.negotiatedDeflate())
                    .as("permessage-deflate negotiated")
                    .isTrue();
            assertThat(c.next()).startsWith("{\"type\":\"ready\"");
            c.send("{\"type\":\"ping\",\"ref\":\"small\"}");
            assertThat(c.next()).contains("\"pong\"", "\"small\"");
            // 15,000 bytes once inflated, a few dozen on the wire: under the limit, answered.
            c.send("{\"type\":\"ping\",\"ref\":\"big\",\"pad\":\"" + "a".repeat(15_000) + "\"}");
            assertThat(c.next()).contains("\"pong\"", "\"big\"");
        }
    }

    @Test
    void theLimitAppliesAfterDecompressionAndAZipBombCloses1009() throws Exception {
        try (DeflateClient c = new DeflateClient()) {
            c.next(); // ready
            c.send("{\"type\":\"ping\",\"pad\":\"" + "a".repeat(17_000) + "\"}"); // tiny compressed, 17 KB inflated
            assertThat(c.closeCode.get(15, TimeUnit.SECONDS)).isEqualTo(1009);
        }
        // 1 MiB of spaces deflates to about a kilobyte; the server stops inflating at 16 KiB and closes.
        String bomb = "{\"type\":\"ping\",\"pad\":\"" + " ".repeat(1 << 20) + "\"}";
        long started = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            try (DeflateClient c = new DeflateClient()) {
                c.next(); // ready
                c.send(bomb);
                assertThat(c.closeCode.get(15, TimeUnit.SECONDS))
                        .as("bomb %d", i)
                        .isEqualTo(1009);
            }
        }
        System.out.printf(
                "20 zip bombs (1 MiB inflated each, ~1 KiB on the wire): each closed 1009, %d ms in all%n",
                (System.nanoTime() - started) / 1_000_000);
        try (DeflateClient c = new DeflateClient()) {
            c.next();
            c.send("{\"type\":\"ping\",\"ref\":\"still\"}");
            assertThat(c.next()).as("the replica keeps answering").contains("\"still\"");
        }
    }
}
