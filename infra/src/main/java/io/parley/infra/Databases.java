package io.parley.infra;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Opens the JDBC pool and applies the schema migrations (creating the database when it is missing). */
public final class Databases {
    private static final Logger log = LoggerFactory.getLogger(Databases.class);

    private Databases() {}

    public static HikariDataSource open(DatabaseSettings settings, String poolName) {
        return new HikariDataSource(config(settings, poolName));
    }

    /**
     * A read-only pool on a read replica. It gives up fast (1 s to connect or get a connection, 3 s for an answer),
     * since every read it serves can be served by the primary instead: a replica that is down or hung must cost a
     * request a moment, not the primary pool's 5 s.
     */
    public static HikariDataSource openReadReplica(DatabaseSettings settings, String poolName) {
        HikariConfig config = config(settings, poolName);
        config.setReadOnly(true);
        config.setConnectionTimeout(1_000);
        config.setValidationTimeout(500);
        config.setMinimumIdle(Math.min(1, settings.poolSize()));
        config.addDataSourceProperty("connectTimeout", "1000");
        config.addDataSourceProperty("socketTimeout", "3000");
        return new HikariDataSource(config);
    }

    private static HikariConfig config(DatabaseSettings settings, String poolName) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(poolName);
        config.setJdbcUrl(settings.jdbcUrl());
        config.setUsername(settings.user());
        config.setPassword(settings.password());
        config.setMaximumPoolSize(settings.poolSize());
        config.setMinimumIdle(Math.min(2, settings.poolSize()));
        config.setConnectionTimeout(5_000);
        // Fail fast at start only when the pool cannot even be built; a database that is down is retried later.
        config.setInitializationFailTimeout(-1);
        config.addDataSourceProperty("cachePrepStmts", "true");
        config.addDataSourceProperty("prepStmtCacheSize", "256");
        config.addDataSourceProperty("prepStmtCacheSqlLimit", "8192");
        config.addDataSourceProperty("useServerPrepStmts", "false");
        // No statement here uses JDBC escapes ({fn ...}, {ts ...}): scanning every text for them costs each prepare.
        config.addDataSourceProperty("processEscapeCodesForPrepStmts", "false");
        // Track autocommit, isolation and read-only on the client, so setting them to what they already are costs
        // no round trip; nothing here changes session state with raw SQL behind the driver's back.
        config.addDataSourceProperty("useLocalSessionState", "true");
        // Per-statement bookkeeping the driver does for nothing we use.
        config.addDataSourceProperty("maintainTimeStats", "false");
        config.addDataSourceProperty("cacheResultSetMetadata", "true");
        config.addDataSourceProperty("allowPublicKeyRetrieval", "true");
        config.addDataSourceProperty("connectionTimeZone", "UTC");
        config.addDataSourceProperty("characterEncoding", "utf8");
        return config;
    }

    /** Creates the database if needed and applies every pending migration in {@code db/migration}. */
    public static void migrate(DatabaseSettings settings) throws SQLException {
        String database = settings.databaseName();
        if (!database.matches("[A-Za-z0-9_]{1,64}")) {
            throw new IllegalArgumentException("database name: " + database + " (expected: 1-64 of A-Za-z0-9_)");
        }
        try (Connection c = DriverManager.getConnection(
                        settings.serverUrl() + separator(settings.serverUrl()) + "allowPublicKeyRetrieval=true",
                        settings.user(),
                        settings.password());
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS `" + database + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        }
        var result = Flyway.configure()
                .dataSource(
                        settings.jdbcUrl() + separator(settings.jdbcUrl()) + "allowPublicKeyRetrieval=true",
                        settings.user(),
                        settings.password())
                .locations("classpath:db/migration")
                .load()
                .migrate();
        log.info(
                "Schema of {} is at version {} ({} migrations applied)",
                database,
                result.targetSchemaVersion,
                result.migrationsExecuted);
    }

    private static String separator(String url) {
        return url.contains("?") ? "&" : "?";
    }
}
