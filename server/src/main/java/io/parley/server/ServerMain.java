package io.parley.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.parley.infra.Databases;
import io.parley.infra.Env;
import io.parley.infra.Logs;
import io.parley.infra.Retry;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.Json;
import io.parley.protocol.RedisKeys;
import io.parley.server.admin.AdminCli;
import io.parley.server.auth.PasswordHasher;
import io.parley.server.auth.Principal;
import io.parley.server.auth.TokenService;
import io.parley.server.auth.UserDirectory;
import io.parley.server.bus.MessageIds;
import io.parley.server.bus.Subscriber;
import io.parley.server.chat.ChatService;
import io.parley.server.chat.Connection;
import io.parley.server.chat.Evictions;
import io.parley.server.chat.LocalHub;
import io.parley.server.chat.LogEntries;
import io.parley.server.config.ServerConfig;
import io.parley.server.http.HealthChecks;
import io.parley.server.http.HttpResponses;
import io.parley.server.http.ModerationRoutes;
import io.parley.server.http.RestApi;
import io.parley.server.http.RestHandler;
import io.parley.server.http.StaticFiles;
import io.parley.server.metrics.Metrics;
import io.parley.server.moderation.Accounts;
import io.parley.server.moderation.Announcer;
import io.parley.server.moderation.Moderation;
import io.parley.server.store.DatabaseRoomRoles;
import io.parley.server.store.MessageStore;
import io.parley.server.store.MessageTargets;
import io.parley.server.store.RoomStore;
import io.parley.server.store.UserStore;
import io.parley.server.ws.ClosingHandshake;
import io.parley.server.ws.UserConnectionLimit;
import io.parley.server.ws.WebSocketAuthHandler;
import io.parley.server.ws.WebSocketFrameHandler;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The server process: reads its configuration, wires every collaborator by hand, serves, and shuts down cleanly. */
public final class ServerMain implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServerMain.class);

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final LocalHub hub;
    private final Channel serverChannel;
    private final int port;
    private final AtomicBoolean closed = new AtomicBoolean();

    public static void main(String[] args) throws Exception {
        Logs.checkFormat(Env.system());
        if (args.length == 1 && args[0].equals("standalone")) {
            Standalone.main(Env.system());
            return;
        }
        if (args.length > 0 && args[0].equals("admin")) {
            System.exit(AdminCli.run(
                    java.util.Arrays.copyOfRange(args, 1, args.length),
                    Env.system(),
                    System.in,
                    new java.io.PrintWriter(System.out, true, java.nio.charset.StandardCharsets.UTF_8),
                    new java.io.PrintWriter(System.err, true, java.nio.charset.StandardCharsets.UTF_8)));
            return;
        }
        ServerConfig config = ServerConfig.fromEnv(Env.system());
        if (args.length == 1 && args[0].equals("migrate")) {
            Databases.migrate(config.database());
            return;
        }
        if (args.length > 0) {
            System.err.println("usage: java -jar parley-server.jar [migrate | standalone | admin ...]");
            System.exit(2);
        }
        ServerMain server = start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "parley-shutdown"));
    }

    /** Starts a replica; it serves until {@link #close()}. */
    public static ServerMain start(ServerConfig config) throws Exception {
        Logs.instance(config.serverId());
        log.info("Starting Parley server {}", config);
        if (config.usesDevSecret()) {
            log.warn("*** USING THE DEVELOPMENT JWT SECRET: anyone can forge tokens. Set PARLEY_JWT_SECRET. ***");
        }
        if (config.migrate()) {
            Retry.startUp("apply the schema", () -> Databases.migrate(config.database()));
        }
        return new ServerMain(config);
    }

    /** Starts a replica on {@code parts} (standalone mode's embedded ones); it serves until {@link #close()}. */
    public static ServerMain start(ServerConfig config, ServerParts parts) throws Exception {
        return new ServerMain(config, parts);
    }

    private ServerMain(ServerConfig config) throws Exception {
        this(config, RedisParts.open(config, new RedisKeys(config.redis().prefix()), Json.newMapper()));
    }

    private ServerMain(ServerConfig config, ServerParts parts) throws Exception {
        var mapper = Json.newMapper();
        var codec = new FrameCodec(mapper);
        var keys = new RedisKeys(config.redis().prefix());
        var metrics = new Metrics();
        var responses = new HttpResponses(codec);

        parts.resources().forEach(this::own);
        DataSource dataSource = parts.dataSource();
        Blocking blocking = own(new Blocking(config.blockingThreads(), 10_000));
        var events = parts.publisher();
        var producer = parts.queue();
        var users = new UserStore(dataSource);
        var rooms = new RoomStore(dataSource, config.maxRoomsPerUser());
        var messages = new MessageStore(dataSource);
        var tokens = new TokenService(config.jwtSecret(), config.tokenTtl(), Clock.systemUTC());
        var directory = new UserDirectory(users, blocking, events, keys.userChanges());
        var subscriber = parts.subscriber();
        this.hub = new LocalHub(subscriber, keys, codec, metrics, messages, blocking);
        var presence = parts.presence().create(events, rooms, codec, () -> hub.connections().stream()
                .map(Connection::principal)
                .distinct()
                .toList());
        var ids = new MessageIds(parts.node());
        var logEntries = new LogEntries(rooms, new MessageTargets(dataSource), new DatabaseRoomRoles(dataSource), ids);
        var chat = new ChatService(
                rooms,
                messages,
                producer,
                events,
                presence,
                hub,
                blocking,
                ids,
                codec,
                keys,
                metrics,
                config.serverId(),
                logEntries);
        var health = new HealthChecks(parts.busUp(), dataSource, responses);
        var moderation = new Moderation(dataSource);
        var moderationRoutes = new ModerationRoutes(
                moderation,
                new Accounts(dataSource),
                new Announcer(events, keys, codec, directory),
                parts.cluster(),
                hub::connectionCount,
                config.serverId(),
                blocking,
                responses);
        var evictions = new Evictions(hub, mapper, users, rooms, blocking);
        var api = new RestApi(
                users,
                rooms,
                messages,
                new PasswordHasher(config.bcryptCost()),
                tokens,
                directory,
                parts.logins(),
                events,
                health,
                metrics,
                blocking,
                codec,
                keys,
                responses,
                moderation,
                moderationRoutes,
                logEntries,
                producer);

        metrics.gauge("parley_ws_connections", "Open WebSocket connections", hub::connectionCount);
        metrics.gauge("parley_users_online_here", "Users with a connection to this replica", hub::userCount);
        metrics.gauge("parley_blocking_queue", "Tasks waiting for a blocking thread", blocking::queued);
        metrics.gauge(
                "parley_ready",
                "1 when the queue, pub/sub and the database answer (as /readyz)",
                () -> health.redisUp() && health.databaseUp() ? 1 : 0);
        parts.instruments().accept(metrics);

        subscriber.subscribe(keys.userChanges());
        subscriber.subscribe(keys.moderation());
        subscriber.start(new Subscriber.Listener() {
            @Override
            public void onMessage(String channel, byte[] payload) {
                if (channel.equals(keys.userChanges())) {
                    directory.onChange(payload);
                } else if (channel.equals(keys.moderation())) {
                    evictions.onEvent(payload);
                } else {
                    hub.onMessage(channel, payload);
                }
            }

            @Override
            public void onResubscribed() {
                hub.onResubscribed();
                evictions.onResubscribed();
            }
        });
        own(subscriber);
        presence.start();
        own(presence);
        own(parts.cluster().report(config.serverId(), hub::connectionCount));

        AtomicLong connectionIds = new AtomicLong();
        var webSocketAuth = new WebSocketAuthHandler(
                tokens,
                directory,
                new UserConnectionLimit(config.maxConnectionsPerUser()),
                config.allowedOrigins(),
                responses,
                (Principal p) -> new WebSocketFrameHandler(
                        p,
                        chat,
                        codec,
                        metrics,
                        config.serverId() + "-" + connectionIds.incrementAndGet(),
                        config.ratePerSecond(),
                        config.rateBurst(),
                        config.pingIntervalSeconds()),
                ServerInitializer.REST_HANDLER);
        var initializer = new ServerInitializer(
                webSocketAuth,
                new RestHandler(
                        api,
                        responses,
                        metrics,
                        config.trustProxyHeaders(),
                        new StaticFiles(ServerMain.class.getClassLoader())),
                responses,
                config.pingIntervalSeconds(),
                config.idleTimeoutSeconds());

        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.bossGroup = new MultiThreadIoEventLoopGroup(1, io);
        this.workerGroup = new MultiThreadIoEventLoopGroup(config.eventLoopThreads(), io);
        Class<? extends ServerSocketChannel> channelType =
                epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        this.serverChannel = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .childHandler(initializer)
                .bind(config.httpPort())
                .sync()
                .channel();
        this.port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        log.info("Parley server {} listening on port {} ({})", config.serverId(), port, epoll ? "epoll" : "nio");
    }

    private <T extends AutoCloseable> T own(T resource) {
        resources.add(resource);
        return resource;
    }

    public int port() {
        return port;
    }

    /**
     * Stops accepting, closes every WebSocket with 1001 so clients reconnect elsewhere, sends what is queued for
     * Redis, then releases everything. Nothing acknowledged is lost: an ack is only sent once Redis holds the message.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        log.info("Shutting down");
        serverChannel.close().syncUninterruptibly();
        List<Connection> open = hub.connections();
        for (Connection c : open) {
            ClosingHandshake.close(
                    c.channel(), WebSocketCloseStatus.ENDPOINT_UNAVAILABLE.code(), "server shutting down");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (hub.connectionCount() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10); // polling a condition with a deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                log.warn("Closing {} failed: {}", resources.get(i).getClass().getSimpleName(), e.toString());
            }
        }
        log.info("Stopped");
    }
}
