package io.parley.infra;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** DATETIME columns hold UTC; these convert without depending on the JVM's or the session's time zone. */
public final class SqlTime {
    private static final DateTimeFormatter SQL =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private SqlTime() {}

    /**
     * A DATETIME(3) value as text: Connector/J takes MariaDB for MySQL 5.5 and would drop the milliseconds of a
     * bound LocalDateTime or Timestamp; both MariaDB and MySQL parse this string exactly.
     */
    public static String utc(Instant instant) {
        return SQL.format(instant);
    }

    public static Instant instant(LocalDateTime utc) {
        return utc.toInstant(ZoneOffset.UTC);
    }
}
