package io.parley.infra;

import ch.qos.logback.classic.LoggerContext;
import java.util.Set;
import org.slf4j.LoggerFactory;

/** Names this process in every log line ({@link LogSetup} prints the {@code instance} property, text or JSON). */
public final class Logs {
    /** The values of {@code PARLEY_LOG_FORMAT} that {@link LogSetup} knows. */
    private static final Set<String> FORMATS = Set.of("text", "json");

    private Logs() {}

    /** Tags the lines that follow with {@code id}, the replica's or worker's name. */
    public static void instance(String id) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.putProperty("instance", id);
        }
    }

    /** Refuses an unknown {@code PARLEY_LOG_FORMAT}, which would otherwise silence every log line. */
    public static void checkFormat(Env env) {
        String format = env.string("PARLEY_LOG_FORMAT", "text");
        if (!FORMATS.contains(format)) {
            throw new IllegalArgumentException("PARLEY_LOG_FORMAT: '" + format + "' (expected: text or json)");
        }
    }
}
