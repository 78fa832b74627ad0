package io.parley.infra;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisRedirectionException;
import redis.clients.jedis.providers.ClusterConnectionProvider;
import redis.clients.jedis.util.JedisClusterCRC16;
import redis.clients.jedis.util.Pool;

/**
 * Redis as one server or as a Redis Cluster, behind one {@link UnifiedJedis} for single commands (a {@link
 * JedisPooled} or a {@link JedisCluster}, which follows MOVED/ASK itself), plus pipelines that run on the node owning
 * their keys. The engine is chosen here, from the URL, and nowhere else.
 */
public final class RedisClient implements AutoCloseable {
    // The one node of a single server; in a cluster, the slots that no node serves at the moment.
    private static final HostAndPort ONE_SERVER = new HostAndPort("redis", 0);

    private final UnifiedJedis jedis;
    private final Pool<Connection> pool; // one server
    private final ClusterConnectionProvider cluster; // a cluster
    private final JedisClientConfig pubSubConfig;

    private RedisClient(
            UnifiedJedis jedis,
            Pool<Connection> pool,
            ClusterConnectionProvider cluster,
            JedisClientConfig pubSubConfig) {
        this.jedis = jedis;
        this.pool = pool;
        this.cluster = cluster;
        this.pubSubConfig = pubSubConfig;
    }

    /**
     * Connects with at most {@code maxConnections} per node, each waited for at most 2 s when all are busy, so callers
     * fail fast when Redis is down instead of queueing without limit.
     */
    public static RedisClient open(RedisSettings settings, int maxConnections, Duration socketTimeout) {
        GenericObjectPoolConfig<Connection> poolConfig = new GenericObjectPoolConfig<>();
        poolConfig.setMaxTotal(maxConnections);
        poolConfig.setMaxIdle(maxConnections);
        poolConfig.setMinIdle(0);
        poolConfig.setMaxWait(Duration.ofSeconds(2));
        poolConfig.setTestWhileIdle(true);
        poolConfig.setJmxEnabled(false);
        int timeoutMs = (int) socketTimeout.toMillis();
        JedisClientConfig clientConfig = settings.clientConfig(timeoutMs);
        JedisClientConfig pubSubConfig = settings.clientConfig(0);
        if (!settings.cluster()) {
            JedisPooled pooled = new JedisPooled(poolConfig, settings.uri(), 2_000, timeoutMs);
            return new RedisClient(pooled, pooled.getPool(), null, pubSubConfig);
        }
        // The slot map is also refreshed every second, so a failover is noticed even by a process that sends nothing.
        ClusterConnectionProvider provider = new ClusterConnectionProvider(
                new HashSet<>(settings.seeds()), clientConfig, poolConfig, Duration.ofSeconds(1));
        JedisCluster jedisCluster = new JedisCluster(provider, 3, Duration.ofSeconds(3));
        return new RedisClient(jedisCluster, null, provider, pubSubConfig);
    }

    /** Single commands and scripts, routed by their first key in a cluster. */
    public UnifiedJedis jedis() {
        return jedis;
    }

    /**
     * Whether the node serving {@code key} answers PING (a plain PING would go to every node of a cluster, and fail
     * for as long as a dead master is still listed).
     */
    public boolean ping(String key) {
        Object reply = jedis.sendCommand(bytes(key), Protocol.Command.PING);
        return reply instanceof byte[] b && "PONG".equals(new String(b, StandardCharsets.UTF_8));
    }

    public boolean isCluster() {
        return cluster != null;
    }

    /** Credentials for a pub/sub connection of one's own, which waits for messages without a read timeout. */
    public JedisClientConfig pubSubConfig() {
        return pubSubConfig;
    }

    /** The node that serves {@code key}: in a cluster the master of its slot, as last known. */
    public HostAndPort nodeOf(byte[] key) {
        return cluster == null ? ONE_SERVER : cluster.getNode(JedisClusterCRC16.getSlot(key));
    }

    /** A pooled connection to {@code node} (from {@link #nodeOf}); close it to give it back. */
    public Connection connection(HostAndPort node) {
        if (cluster == null) {
            return pool.getResource();
        }
        if (node == null || node == ONE_SERVER) {
            throw new JedisConnectionException("no node serves this slot now (failover in progress?)");
        }
        return cluster.getConnection(node);
    }

    /** Asks the cluster for its slot map again, after a MOVED answer or a node that stopped answering. */
    public void refreshTopology() {
        if (cluster != null) {
            try {
                cluster.renewSlotCache();
            } catch (RuntimeException e) {
                // No node answered: the periodic refresh keeps trying.
            }
        }
    }

    /** A command's reply or its failure, in a {@link #pipelined} answer. */
    public record Reply(Object value, RuntimeException failure) {
        /** The value, or the failure thrown. */
        public Object get() {
            if (failure != null) {
                throw failure;
            }
            return value;
        }
    }

    /**
     * Sends one command per item, the items of each node in one pipeline on one connection (one round trip per node),
     * and answers their replies in item order. A node that fails fails its items; a MOVED reply fails its item and
     * refreshes the slot map, so the caller's retry goes to the new owner.
     */
    public <T> List<Reply> pipelined(
            List<T> items, Function<T, byte[]> keyOf, BiFunction<Pipeline, T, Response<?>> command) {
        Reply[] replies = new Reply[items.size()];
        boolean stale = false;
        for (Map.Entry<HostAndPort, List<Integer>> group : byNode(items, keyOf).entrySet()) {
            List<Integer> indexes = group.getValue();
            List<Response<?>> responses = new ArrayList<>(indexes.size());
            try (Connection connection = connection(group.getKey())) {
                Pipeline pipeline = new Pipeline(connection);
                for (int i : indexes) {
                    responses.add(command.apply(pipeline, items.get(i)));
                }
                pipeline.sync();
            } catch (RuntimeException e) {
                stale = true;
                for (int i : indexes) {
                    replies[i] = new Reply(null, e);
                }
                continue;
            }
            for (int k = 0; k < indexes.size(); k++) {
                try {
                    replies[indexes.get(k)] = new Reply(responses.get(k).get(), null);
                } catch (RuntimeException e) {
                    stale |= e instanceof JedisRedirectionException;
                    replies[indexes.get(k)] = new Reply(null, e);
                }
            }
        }
        if (stale) {
            refreshTopology();
        }
        return Arrays.asList(replies);
    }

    /** The indexes of {@code items} grouped by the node serving each one's key, in item order within a node. */
    public <T> Map<HostAndPort, List<Integer>> byNode(List<T> items, Function<T, byte[]> keyOf) {
        Map<HostAndPort, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i++) {
            HostAndPort node = cluster == null ? ONE_SERVER : nodeOf(keyOf.apply(items.get(i)));
            groups.computeIfAbsent(node == null ? ONE_SERVER : node, n -> new ArrayList<>())
                    .add(i);
        }
        return groups;
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        jedis.close(); // a JedisCluster closes its connection provider
    }
}
