package io.parley.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded database refuses a data directory it cannot safely use, with one line naming it, and harms nothing. */
class EmbeddedDatabaseTest {
    @TempDir
    Path temp;

    @Test
    void appliesTheSchemaAndKeepsDataAcrossReopening() throws Exception {
        Path dir = temp.resolve("data");
        try (EmbeddedDatabase db = EmbeddedDatabase.open(dir, 2);
                Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO users (username, username_key, password_hash, created_at)"
                    + " VALUES ('Ann', 'ann', 'h', '2026-01-01 00:00:00.000')");
        }
        try (EmbeddedDatabase db = EmbeddedDatabase.open(dir, 2);
                Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT username FROM users")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("Ann");
        }
    }

    @Test
    void refusesADirectoryLockedByAnotherOpening() {
        Path dir = temp.resolve("data");
        try (EmbeddedDatabase first = EmbeddedDatabase.open(dir, 2)) {
            assertThatThrownBy(() -> EmbeddedDatabase.open(dir, 2))
                    .isInstanceOf(EmbeddedDatabase.DataDirException.class)
                    .hasMessage("data directory " + dir + " is in use by another Parley process: stop that process,"
                            + " or set PARLEY_DATA_DIR to another directory");
            assertThat(first.dataSource()).isNotNull();
        }
        // released on close: a later process may use it
        EmbeddedDatabase.open(dir, 2).close();
    }

    @Test
    void refusesADirectoryThatCannotBeCreated() throws Exception {
        Path file = Files.writeString(temp.resolve("a-file"), "not a directory");
        assertThatThrownBy(() -> EmbeddedDatabase.open(file.resolve("data"), 2))
                .isInstanceOf(EmbeddedDatabase.DataDirException.class)
                .hasMessageStartingWith("data directory " + file.resolve("data") + " cannot be created")
                .hasMessageContaining("PARLEY_DATA_DIR");
        assertThat(Files.readString(file)).isEqualTo("not a directory");
    }

    @Test
    void refusesASchemaNewerThanThisParleyAndLeavesItAlone() throws Exception {
        Path dir = temp.resolve("data");
        try (EmbeddedDatabase db = EmbeddedDatabase.open(dir, 2);
                Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement()) {
            // What a newer Parley would have recorded after applying its V99.
            s.executeUpdate("INSERT INTO \"flyway_schema_history\" (\"installed_rank\", \"version\", \"description\","
                    + " \"type\", \"script\", \"checksum\", \"installed_by\", \"execution_time\", \"success\")"
                    + " VALUES (99, '99', 'future', 'SQL', 'V99__future.sql', 0, 'sa', 0, TRUE)");
            s.executeUpdate("CREATE TABLE future_table (id INT)");
        }
        assertThatThrownBy(() -> EmbeddedDatabase.open(dir, 2))
                .isInstanceOf(EmbeddedDatabase.DataDirException.class)
                // This Parley's version is its newest migration, whichever that is.
                .hasMessageMatching(java.util.regex.Pattern.quote(
                                "data directory " + dir + " holds schema version 99, newer than this Parley's ")
                        + "[1-9][0-9]?"
                        + java.util.regex.Pattern.quote(
                                ": run the newer Parley that wrote it, or set PARLEY_DATA_DIR to another directory"));
        assertThat(Files.exists(dir.resolve("parley.mv.db"))).isTrue();
    }
}
