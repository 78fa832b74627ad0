package io.parley.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An existing database upgrades in place: the version 1 schema with rows in it, then every migration present (so
 * later ones are covered too), on MariaDB/MySQL and on H2 in MySQL mode (standalone), keeping every row.
 */
class SchemaMigrationIT {
    @TempDir
    Path temp;

    @Test
    void upgradesAVersionOneMySqlDatabaseWithDataInPlace() throws Exception {
        TestServices.Isolated services = TestServices.isolated();
        DatabaseSettings db = services.database();
        try (Connection c = DriverManager.getConnection(db.serverUrl(), db.user(), db.password());
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE `" + db.databaseName() + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        }
        try {
            upgradesWithData(db.jdbcUrl() + "?allowPublicKeyRetrieval=true", db.user(), db.password());
        } finally {
            services.dropDatabase();
        }
    }

    @Test
    void upgradesAVersionOneEmbeddedDatabaseWithDataInPlace() throws Exception {
        upgradesWithData("jdbc:h2:file:" + temp.resolve("parley") + ";MODE=MySQL;DATABASE_TO_LOWER=TRUE", "sa", "");
    }

    private static void upgradesWithData(String url, String user, String password) throws SQLException {
        flyway(url, user, password)
                .target(MigrationVersion.fromVersion("1"))
                .load()
                .migrate();
        try (Connection c = DriverManager.getConnection(url, user, password);
                Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO users (id, username, username_key, password_hash, created_at) VALUES"
                    + " (1, 'Ann', 'ann', 'h1', '2026-01-01 00:00:00.000'),"
                    + " (2, 'bob', 'bob', 'h2', '2026-01-01 00:00:01.000')");
            s.executeUpdate("INSERT INTO rooms (id, name, created_by, created_at, last_seq) VALUES"
                    + " (10, 'lobby', 1, '2026-01-01 00:00:02.000', 2)");
            s.executeUpdate("INSERT INTO memberships (room_id, user_id, joined_at) VALUES"
                    + " (10, 1, '2026-01-01 00:00:02.000'), (10, 2, '2026-01-01 00:00:03.000')");
            s.executeUpdate("INSERT INTO messages (id, room_id, seq, sender_id, sender_name, body, client_msg_id,"
                    + " created_at) VALUES (100, 10, 1, 1, 'Ann', 'hello', 'c1', '2026-01-01 00:00:04.000'),"
                    + " (101, 10, 2, 2, 'bob', 'hi Ann', NULL, '2026-01-01 00:00:05.000')");
        }

        Flyway all = flyway(url, user, password).load();
        var result = all.migrate();
        assertThat(result.migrationsExecuted).isPositive();
        assertThat(all.info().current().getVersion())
                .as("every migration present was applied")
                .isEqualTo(all.info().all()[all.info().all().length - 1].getVersion());

        try (Connection c = DriverManager.getConnection(url, user, password);
                Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery(
                    "SELECT username, password_hash, role, disabled, token_epoch FROM users ORDER BY id")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("Ann");
                assertThat(rs.getString(2)).isEqualTo("h1");
                assertThat(rs.getString(3))
                        .as("nobody becomes an admin by upgrading")
                        .isNull();
                assertThat(rs.getBoolean(4)).isFalse();
                assertThat(rs.getInt(5)).isZero();
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("bob");
                assertThat(rs.next()).isFalse();
            }
            try (ResultSet rs = s.executeQuery("SELECT name, created_by, last_seq, is_private FROM rooms")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("lobby");
                assertThat(rs.getLong(2)).as("the creator is the owner").isEqualTo(1);
                assertThat(rs.getLong(3)).isEqualTo(2);
                assertThat(rs.getBoolean(4)).as("existing rooms stay public").isFalse();
            }
            assertThat(count(s, "memberships")).isEqualTo(2);
            assertThat(count(s, "invites")).isZero();
            assertThat(count(s, "bans")).isZero();
            try (ResultSet rs = s.executeQuery(
                    "SELECT id, seq, sender_name, body, client_msg_id FROM messages" + " ORDER BY seq")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(100);
                assertThat(rs.getString(4)).isEqualTo("hello");
                assertThat(rs.getString(5)).isEqualTo("c1");
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(3)).isEqualTo("bob");
                assertThat(rs.getString(4)).isEqualTo("hi Ann");
                assertThat(rs.next()).isFalse();
            }
            // The new tables take rows that refer to the old ones.
            s.executeUpdate("INSERT INTO bans (room_id, user_id, banned_by, created_at)"
                    + " VALUES (10, 2, 1, '2026-01-02 00:00:00.000')");
            s.executeUpdate("INSERT INTO invites (room_id, user_id, invited_by, created_at)"
                    + " VALUES (10, 2, 1, '2026-01-02 00:00:00.000')");
        }
    }

    private static org.flywaydb.core.api.configuration.FluentConfiguration flyway(
            String url, String user, String password) {
        return Flyway.configure().dataSource(url, user, password).locations("classpath:db/migration");
    }

    private static long count(Statement s, String table) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
