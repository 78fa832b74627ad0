package io.parley.infra;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.List;

/**
 * Logback's configuration for every Parley process, found through {@code META-INF/services}: one line per event on
 * stderr, tagged with the replica's or worker's id ({@link Logs#instance}); {@code PARLEY_LOG_FORMAT=json} writes one
 * JSON object per line (Logback's {@link JsonEncoder}) for log shippers. In code rather than logback.xml: parsing
 * XML costs the process about a second at start on a busy machine.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%property{instance}] %logger{0} - %msg%n";
    private static final List<String> QUIET =
            List.of("io.netty", "com.zaxxer.hikari", "org.flywaydb", "org.testcontainers", "com.github.dockerjava");

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        // An unknown format is refused by Logs.checkFormat in main; until then, text.
        Encoder<ILoggingEvent> encoder = "json".equals(System.getenv("PARLEY_LOG_FORMAT")) ? json() : text();
        encoder.setContext(context);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("console");
        console.setTarget("System.err");
        console.setEncoder(encoder);
        console.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(console);
        QUIET.forEach(name -> context.getLogger(name).setLevel(Level.WARN));
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    private static Encoder<ILoggingEvent> text() {
        PatternLayoutEncoder text = new PatternLayoutEncoder();
        text.setPattern(PATTERN);
        return text;
    }

    private static Encoder<ILoggingEvent> json() {
        JsonEncoder json = new JsonEncoder();
        json.setWithSequenceNumber(false);
        json.setWithNanoseconds(false);
        json.setWithMessage(false);
        json.setWithArguments(false);
        json.setWithFormattedMessage(true);
        return json;
    }
}
