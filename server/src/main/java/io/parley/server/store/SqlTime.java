package io.parley.server.store;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** DATETIME columns hold UTC; these convert without depending on the JVM's or the session's time zone. */
final class SqlTime {
    private SqlTime() {
    }

    private static final DateTimeFormatter SQL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneOffset.UTC);

    /**
     * A DATETIME(3) value as text: Connector/J takes MariaDB for MySQL 5.5 and would drop the milliseconds of a
     * bound LocalDateTime; both MariaDB and MySQL parse this string exactly.
     */
    static String utc(Instant instant) {
        return SQL.format(instant);
    }

    static Instant instant(LocalDateTime utc) {
        return utc.toInstant(ZoneOffset.UTC);
    }
}
