package io.parley.server.http;

import io.netty.handler.codec.http.FullHttpResponse;
import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;

/** Readiness: whether this replica can reach its queue and pub/sub (Redis) and the database right now. Blocking. */
public final class HealthChecks {
    private final BooleanSupplier redis;
    private final DataSource database;
    private final HttpResponses responses;

    public HealthChecks(BooleanSupplier redis, DataSource database, HttpResponses responses) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.database = Objects.requireNonNull(database, "database");
        this.responses = Objects.requireNonNull(responses, "responses");
    }

    public boolean redisUp() {
        try {
            return redis.getAsBoolean();
        } catch (RuntimeException e) {
            return false;
        }
    }

    public boolean databaseUp() {
        try (Connection c = database.getConnection()) {
            return c.isValid(2);
        } catch (Exception e) {
            return false;
        }
    }

    public FullHttpResponse readiness() {
        boolean redisUp = redisUp();
        boolean dbUp = databaseUp();
        Map<String, String> body = new LinkedHashMap<>();
        body.put("status", redisUp && dbUp ? "ready" : "unavailable");
        body.put("redis", redisUp ? "up" : "down");
        body.put("db", dbUp ? "up" : "down");
        return responses.json(redisUp && dbUp ? 200 : 503, body);
    }
}
