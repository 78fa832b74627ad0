package io.parley.server.chat;

import io.parley.infra.LuaScript;
import io.parley.infra.RedisClient;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.RedisKeys;
import io.parley.protocol.Room;
import io.parley.protocol.ServerFrame;
import io.parley.protocol.User;
import io.parley.server.auth.Principal;
import io.parley.server.bus.Publisher;
import io.parley.server.store.RoomStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;

/**
 * Who is online, across replicas. Each replica records in Redis which users it holds connections of and keeps a
 * heartbeat; a user is online while some live replica holds them. When a replica dies, the first live one to notice
 * its expired heartbeat announces its users offline, so stale entries last at most a few seconds.
 */
public final class PresenceService implements Presence {
    private static final Logger log = LoggerFactory.getLogger(PresenceService.class);
    static final long HEARTBEAT_MS = 1_000;
    static final long EXPIRY_MS = 3_000;

    // KEYS: presence set of the user, the server's user set, live servers. ARGV: server, member, now.
    // Returns 1 when no other live replica holds the user: the change is visible to others.
    private static final LuaScript ARRIVE = new LuaScript(
            """
            redis.call('SADD', KEYS[2], ARGV[2])
            local others = redis.call('SMEMBERS', KEYS[1])
            redis.call('SADD', KEYS[1], ARGV[1])
            for _, s in ipairs(others) do
              if s ~= ARGV[1] then
                local exp = redis.call('ZSCORE', KEYS[3], s)
                if exp and tonumber(exp) > tonumber(ARGV[3]) then return 0 end
              end
            end
            return 1
            """);
    private static final LuaScript DEPART = new LuaScript(
            """
            redis.call('SREM', KEYS[2], ARGV[2])
            redis.call('SREM', KEYS[1], ARGV[1])
            for _, s in ipairs(redis.call('SMEMBERS', KEYS[1])) do
              local exp = redis.call('ZSCORE', KEYS[3], s)
              if exp and tonumber(exp) > tonumber(ARGV[3]) then return 0 end
            end
            return 1
            """);

    private final RedisClient redis;
    private final RedisKeys keys;
    private final String serverId;
    private final Publisher events;
    private final RoomStore rooms;
    private final FrameCodec codec;
    private final Supplier<Collection<Principal>> localUsers;
    // One thread: a user's arrivals and departures must reach Redis in the order they happened.
    private final ThreadPoolExecutor updates = new ThreadPoolExecutor(
            1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(100_000), r -> daemon(r, "parley-presence"));
    /** Since when the heartbeat has reached Redis without a failure; 0 while it fails. Presence thread only. */
    private long redisUpSinceMs;

    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "parley-presence-timer"));

    public PresenceService(
            RedisClient redis,
            RedisKeys keys,
            String serverId,
            Publisher events,
            RoomStore rooms,
            FrameCodec codec,
            Supplier<Collection<Principal>> localUsers) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.serverId = Objects.requireNonNull(serverId, "serverId");
        this.events = Objects.requireNonNull(events, "events");
        this.rooms = Objects.requireNonNull(rooms, "rooms");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.localUsers = Objects.requireNonNull(localUsers, "localUsers");
    }

    @Override
    public void start() {
        timer.scheduleWithFixedDelay(() -> run(this::heartbeat), 0, HEARTBEAT_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void arrived(Principal user, Set<String> userRooms) {
        Set<String> snapshot = Set.copyOf(userRooms);
        run(() -> {
            if (script(ARRIVE, user, serverId)) {
                announce(user.username(), snapshot, true);
            }
        });
    }

    @Override
    public void departed(Principal user, Set<String> userRooms) {
        Set<String> snapshot = Set.copyOf(userRooms);
        run(() -> {
            if (script(DEPART, user, serverId)) {
                announce(user.username(), snapshot, false);
            }
        });
    }

    /** The usernames among {@code members} that some live replica holds a connection of. Blocking. */
    @Override
    public List<String> online(List<User> members) {
        // One pipeline: on a cluster every presence key shares one hash tag, so one node serves them all.
        try (Connection connection = redis.connection(redis.nodeOf(RedisClient.bytes(keys.liveServers())))) {
            Pipeline p = new Pipeline(connection);
            Response<List<String>> live =
                    p.zrangeByScore(keys.liveServers(), System.currentTimeMillis(), Double.MAX_VALUE);
            List<Response<Set<String>>> holders = new ArrayList<>(members.size());
            for (User member : members) {
                holders.add(p.smembers(keys.presence(member.id())));
            }
            p.sync();
            Set<String> liveServers = new HashSet<>(live.get());
            List<String> online = new ArrayList<>();
            for (int i = 0; i < members.size(); i++) {
                if (holders.get(i).get().stream().anyMatch(liveServers::contains)) {
                    online.add(members.get(i).username());
                }
            }
            online.sort(String::compareTo);
            return online;
        }
    }

    private void heartbeat() throws Exception {
        long now = System.currentTimeMillis();
        List<String> dead;
        try {
            UnifiedJedis jedis = redis.jedis();
            boolean wasMissing = jedis.zadd(keys.liveServers(), now + EXPIRY_MS, serverId) == 1;
            if (wasMissing) {
                // Swept as dead (or Redis lost its data): record our users again.
                for (Principal user : localUsers.get()) {
                    script(ARRIVE, user, serverId);
                }
            }
            dead = jedis.zrangeByScore(keys.liveServers(), 0, now);
        } catch (RuntimeException e) {
            redisUpSinceMs = 0;
            throw e;
        }
        if (redisUpSinceMs == 0) {
            redisUpSinceMs = now;
        }
        if (now - redisUpSinceMs < EXPIRY_MS) {
            // Redis was unreachable (restarted, failed over) until just now: the other replicas could not heartbeat
            // either, through no fault of theirs. Give them one expiry period to do so before calling anyone dead.
            return;
        }
        for (String server : dead) {
            sweep(server, now);
        }
    }

    private void sweep(String server, long now) throws Exception {
        List<String> departed = new ArrayList<>();
        UnifiedJedis jedis = redis.jedis();
        if (jedis.zrem(keys.liveServers(), server) != 1) {
            return; // another replica is sweeping it
        }
        for (String member : jedis.smembers(keys.serverUsers(server))) {
            int bar = member.indexOf('|');
            Principal user = new Principal(Long.parseLong(member.substring(0, bar)), member.substring(bar + 1), null);
            if (script(DEPART, user, server)) {
                departed.add(member);
            }
        }
        jedis.del(keys.serverUsers(server));
        log.info("Server {} stopped heartbeating; {} of its users went offline", server, departed.size());
        for (String member : departed) {
            int bar = member.indexOf('|');
            Set<String> names = new HashSet<>();
            for (Room room : rooms.roomsOf(Long.parseLong(member.substring(0, bar)))) {
                names.add(room.name());
            }
            announce(member.substring(bar + 1), names, false);
        }
    }

    private boolean script(LuaScript script, Principal user, String server) {
        Object result = script.eval(
                redis.jedis(),
                List.of(keys.presence(user.id()), keys.serverUsers(server), keys.liveServers()),
                List.of(server, user.id() + "|" + user.username(), Long.toString(System.currentTimeMillis())));
        return Long.valueOf(1).equals(result);
    }

    private void announce(String username, Set<String> userRooms, boolean online) {
        for (String room : userRooms) {
            events.publish(
                    keys.roomChannel(room), codec.encode(new ServerFrame.PresenceChange(room, username, online)));
        }
    }

    @FunctionalInterface
    private interface Update {
        void run() throws Exception;
    }

    private void run(Update update) {
        try {
            updates.execute(() -> {
                try {
                    update.run();
                } catch (Exception e) {
                    log.warn("Presence update failed: {}", e.toString());
                }
            });
        } catch (RejectedExecutionException e) {
            log.warn("Presence updates are backlogged; dropping one");
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Stops the heartbeat after pending updates, and takes this replica out of the live set. */
    @Override
    public void close() {
        timer.shutdownNow();
        updates.shutdown();
        try {
            updates.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            UnifiedJedis jedis = redis.jedis();
            jedis.zrem(keys.liveServers(), serverId);
            jedis.del(keys.serverUsers(serverId));
        } catch (RuntimeException e) {
            log.debug("Could not leave the live set: {}", e.toString());
        }
    }
}
