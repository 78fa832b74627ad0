package io.parley.infra;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * A Lua script run by its SHA-1 (EVALSHA), loaded again transparently when Redis lost its script cache (after a
 * restart): the one way server and worker run scripts, so Redis is sent the full text only when it lacks it.
 */
public final class LuaScript {
    private final String source;
    private final String sha1;

    public LuaScript(String source) {
        this.source = requireNonNull(source, "source");
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
            this.sha1 = HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every JVM", e);
        }
    }

    public Object eval(UnifiedJedis jedis, List<String> keys, List<String> args) {
        try {
            return jedis.evalsha(sha1, keys, args);
        } catch (JedisNoScriptException e) {
            return jedis.eval(source, keys, args);
        }
    }

    /** As {@link #eval} with binary arguments; bulk replies come back as byte arrays. */
    public Object evalBinary(UnifiedJedis jedis, List<byte[]> keys, List<byte[]> args) {
        try {
            return jedis.evalsha(sha1.getBytes(StandardCharsets.US_ASCII), keys, args);
        } catch (JedisNoScriptException e) {
            return jedis.eval(source.getBytes(StandardCharsets.UTF_8), keys, args);
        }
    }

    /** Queues the script in {@code pipeline} by its SHA-1; after a Redis restart the answer is a NOSCRIPT error. */
    public Response<Object> eval(Pipeline pipeline, List<String> keys, List<String> args) {
        return pipeline.evalsha(sha1, keys, args);
    }

    /** Loads the script into Redis's cache, after a NOSCRIPT answer to a pipelined {@link #eval}. */
    public void load(Connection connection) {
        new Jedis(connection).scriptLoad(source);
    }

    /** Whether {@code failure} is Redis's answer that it does not have a script (its cache was emptied). */
    public static boolean isNoScript(Throwable failure) {
        return failure instanceof JedisNoScriptException
                || (failure != null && String.valueOf(failure.getMessage()).startsWith("NOSCRIPT"));
    }

    /** Queues the script in {@code pipeline} by its SHA-1; after a Redis restart the answer is a NOSCRIPT error. */
    public Response<Object> evalBinary(Pipeline pipeline, List<byte[]> keys, List<byte[]> args) {
        return pipeline.evalsha(sha1.getBytes(StandardCharsets.US_ASCII), keys, args);
    }

    public String source() {
        return source;
    }
}
