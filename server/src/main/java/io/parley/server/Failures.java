package io.parley.server;

import io.parley.protocol.ErrorCode;
import java.sql.SQLException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisException;

/** Maps any failure of a request to the error a client gets: its own code, {@code unavailable} or {@code internal}. */
public final class Failures {
    private static final Logger log = LoggerFactory.getLogger(Failures.class);

    private Failures() {}

    public static ApiException toApi(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof ApiException api) {
            return api;
        }
        if (t instanceof SQLException) {
            log.warn("Database unavailable: {}", t.toString());
            return new ApiException(ErrorCode.UNAVAILABLE, "the database is unavailable, try again");
        }
        if (t instanceof JedisException) {
            log.warn("Redis unavailable: {}", t.toString());
            return new ApiException(ErrorCode.UNAVAILABLE, "the message queue is unavailable, try again");
        }
        if (t instanceof RejectedExecutionException) {
            return new ApiException(ErrorCode.UNAVAILABLE, "the server is overloaded, try again");
        }
        log.error("Unexpected failure", t);
        return new ApiException(ErrorCode.INTERNAL, "internal error");
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
