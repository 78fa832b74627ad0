package io.parley.load.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.parley.protocol.FrameCodec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Event loops and the bootstrap for client connections: epoll when available (needed for
 * {@code IP_BIND_ADDRESS_NO_PORT}, so many source addresses can share the ephemeral port range), else NIO.
 */
public final class ClientTransport implements AutoCloseable {
    private static final int CONNECT_TIMEOUT_MILLIS = 30_000;

    private final EventLoopGroup group;
    private final boolean epoll;
    private final FrameCodec codec;
    private final FrameReader reader;
    private final Bootstrap bootstrap;

    public ClientTransport(int threads, FrameCodec codec) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + " (expected: >= 1)");
        }
        this.codec = Objects.requireNonNull(codec, "codec");
        this.reader = new FrameReader(codec);
        this.epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(threads, io);
        Class<? extends SocketChannel> channelClass = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        this.bootstrap = new Bootstrap()
                .group(group)
                .channel(channelClass)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS);
        if (epoll) {
            // Bind the source address without reserving a port; the port is chosen at connect() per 4-tuple.
            bootstrap.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
    }

    public boolean epoll() {
        return epoll;
    }

    /** Starts connecting; the connection's {@code ready()} future tells how it went. */
    public Connection connect(int id, Target target, String token, InetAddress source, ConnectionListener listener) {
        Connection connection = new Connection(id, codec, listener, System.nanoTime());
        Bootstrap b = bootstrap.clone().handler(new WsClientInitializer(target, token, connection, reader));
        ChannelFuture f = source == null
                ? b.connect(target.address())
                : b.connect(target.address(), new InetSocketAddress(source, 0));
        connection.attach(f.channel());
        f.addListener(done -> {
            if (!done.isSuccess()) {
                Throwable c = done.cause();
                connection.fail(
                        new ConnectFailure("connect_" + c.getClass().getSimpleName(), String.valueOf(c.getMessage())));
            }
        });
        return connection;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
