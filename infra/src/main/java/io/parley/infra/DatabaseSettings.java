package io.parley.infra;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the MySQL database is and how to log in. Read from {@code PARLEY_DB_*}, or from the seed application's
 * {@code MYSQL_HOST}, {@code MYSQL_PORT}, {@code MYSQL_DATABASE}, {@code MYSQL_USER}, {@code MYSQL_PASSWORD}.
 */
public record DatabaseSettings(String jdbcUrl, String user, String password, int poolSize) {
    public DatabaseSettings {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        if (!jdbcUrl.startsWith("jdbc:mysql://") && !jdbcUrl.startsWith("jdbc:mariadb://")) {
            throw new IllegalArgumentException("PARLEY_DB_URL: " + jdbcUrl + " (expected: jdbc:mysql://host:port/db)");
        }
        if (databaseName(jdbcUrl).isEmpty()) {
            throw new IllegalArgumentException(
                    "PARLEY_DB_URL: " + jdbcUrl + " (expected: a database name in the path)");
        }
        if (poolSize < 1 || poolSize > 200) {
            throw new IllegalArgumentException("poolSize: " + poolSize + " (expected: 1-200)");
        }
    }

    public static DatabaseSettings fromEnv(Env env, int defaultPoolSize) {
        String url = env.string("PARLEY_DB_URL", null);
        if (url == null) {
            url = "jdbc:mysql://" + env.first("127.0.0.1", "MYSQL_HOST") + ":" + env.first("3306", "MYSQL_PORT") + "/"
                    + env.first("parley", "MYSQL_DATABASE");
        }
        return new DatabaseSettings(
                url,
                env.first("root", "PARLEY_DB_USER", "MYSQL_USER"),
                env.first("", "PARLEY_DB_PASSWORD", "MYSQL_PASSWORD"),
                env.integer("PARLEY_DB_POOL_SIZE", defaultPoolSize, 1, 200));
    }

    /**
     * The read replica named by {@code PARLEY_DB_READ_URL}, if any: it logs in as the primary does unless
     * {@code PARLEY_DB_READ_USER} / {@code PARLEY_DB_READ_PASSWORD} say otherwise, with the primary's pool size.
     */
    public static Optional<DatabaseSettings> readReplicaFromEnv(Env env, DatabaseSettings primary) {
        String url = env.string("PARLEY_DB_READ_URL", "");
        if (url.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new DatabaseSettings(
                    url,
                    env.string("PARLEY_DB_READ_USER", primary.user()),
                    env.string("PARLEY_DB_READ_PASSWORD", primary.password()),
                    primary.poolSize()));
        } catch (IllegalArgumentException e) {
            // The constructor names the primary's variable; say which one is wrong here.
            throw new IllegalArgumentException(
                    "PARLEY_DB_READ_URL: " + url + " (expected: jdbc:mysql://host:port/db, the primary's database)");
        }
    }

    /** The database (schema) name in the URL's path. */
    public String databaseName() {
        return databaseName(jdbcUrl);
    }

    /** The same server without a database, for creating it. */
    public String serverUrl() {
        URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        return "jdbc:" + uri.getScheme() + "://" + uri.getRawAuthority() + "/" + query;
    }

    private static String databaseName(String jdbcUrl) {
        String path = URI.create(jdbcUrl.substring("jdbc:".length())).getPath();
        return path == null ? "" : path.replaceFirst("^/", "");
    }

    @Override
    public String toString() {
        return "DatabaseSettings[jdbcUrl=" + jdbcUrl + ", user=" + user + ", password=****, poolSize=" + poolSize + "]";
    }
}
