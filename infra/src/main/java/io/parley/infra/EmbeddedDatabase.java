package io.parley.infra;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.SQLExceptionOverride;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Objects;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import org.h2.api.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone database: H2 in MySQL mode, in files under the data directory, taking the same Flyway migrations as
 * MySQL. The directory is locked for this process. Commits are written to the file before they return
 * ({@code WRITE_DELAY=0}), so a {@code kill -9} loses no committed transaction.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
    static final String LOCK_FILE = "parley.lock";

    /** The data directory cannot be used; the message is one line naming it and what to do. */
    public static final class DataDirException extends RuntimeException {
        public DataDirException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final HikariDataSource dataSource;

    private EmbeddedDatabase(Path dir, FileChannel lockChannel, FileLock lock, HikariDataSource dataSource) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.dataSource = dataSource;
    }

    /** Locks {@code dataDir} (creating it), opens the database in it and brings its schema up to date. */
    public static EmbeddedDatabase open(Path dataDir, int poolSize) {
        Path dir = Objects.requireNonNull(dataDir, "dataDir").toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new DataDirException(
                    "data directory " + dir + " cannot be created (" + e + "): fix its permissions"
                            + " or set PARLEY_DATA_DIR to a writable directory",
                    e);
        }
        if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
            throw new DataDirException(
                    "data directory " + dir + " is not a writable directory: fix its permissions"
                            + " or set PARLEY_DATA_DIR to a writable directory",
                    null);
        }
        FileChannel channel;
        FileLock lock;
        try {
            channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new DataDirException(
                    "data directory " + dir + " is not writable (" + e + "): fix its permissions"
                            + " or set PARLEY_DATA_DIR to a writable directory",
                    e);
        }
        try {
            lock = channel.tryLock();
        } catch (IOException | OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            closeQuietly(channel);
            throw new DataDirException(
                    "data directory " + dir + " is in use by another Parley process: stop that"
                            + " process, or set PARLEY_DATA_DIR to another directory",
                    null);
        }
        HikariDataSource dataSource = null;
        try {
            dataSource = pool(dir, poolSize);
            migrate(dir, dataSource);
            return new EmbeddedDatabase(dir, channel, lock, dataSource);
        } catch (RuntimeException e) {
            if (dataSource != null) {
                dataSource.close();
            }
            closeQuietly(channel);
            throw e instanceof DataDirException
                    ? e
                    : new DataDirException(
                            "data directory " + dir
                                    + ": the database cannot be opened (" + oneLine(e)
                                    + "): free disk space or fix its permissions,"
                                    + " or set PARLEY_DATA_DIR to another directory",
                            e);
        }
    }

    private static HikariDataSource pool(Path dir, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("parley-embedded");
        // FILE_LOCK=FS: an OS lock, released even by kill -9 (H2's default lock file would outlive the process).
        config.setJdbcUrl("jdbc:h2:file:" + dir.resolve("parley") + ";MODE=MySQL;DATABASE_TO_LOWER=TRUE"
                + ";CASE_INSENSITIVE_IDENTIFIERS=TRUE;WRITE_DELAY=0;FILE_LOCK=FS;DB_CLOSE_ON_EXIT=FALSE");
        config.setUsername("sa");
        config.setPassword("");
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(Math.min(2, poolSize));
        config.setConnectionTimeout(5_000);
        // After a failed write (disk full) H2 closes the database; dropping its connections lets the next ones open it
        // again from the last good state once there is room, instead of answering "closed" until a restart.
        config.setExceptionOverride(new SQLExceptionOverride() {
            @java.lang.Override
            public SQLExceptionOverride.Override adjudicate(SQLException e) {
                int code = e.getErrorCode();
                return code == ErrorCode.DATABASE_IS_CLOSED
                                || code == ErrorCode.GENERAL_ERROR_1
                                || code == ErrorCode.FILE_CORRUPTED_1
                        ? SQLExceptionOverride.Override.MUST_EVICT
                        : SQLExceptionOverride.Override.CONTINUE_EVICT;
            }
        });
        return new HikariDataSource(config);
    }

    private static void migrate(Path dir, DataSource dataSource) {
        Flyway flyway = Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .load();
        MigrationInfo[] applied = flyway.info().applied();
        MigrationVersion known = Arrays.stream(flyway.info().all())
                .filter(i -> i.getState().isResolved())
                .map(MigrationInfo::getVersion)
                .filter(Objects::nonNull)
                .max(MigrationVersion::compareTo)
                .orElse(MigrationVersion.EMPTY);
        for (MigrationInfo info : applied) {
            if (info.getVersion() != null && info.getVersion().isNewerThan(known.getVersion())) {
                throw new DataDirException(
                        "data directory " + dir + " holds schema version " + info.getVersion()
                                + ", newer than this Parley's " + known + ": run the newer Parley that wrote it, or set"
                                + " PARLEY_DATA_DIR to another directory",
                        null);
            }
        }
        var result = flyway.migrate();
        log.info(
                "Embedded database in {} is at schema version {} ({} migrations applied)",
                dir,
                result.targetSchemaVersion,
                result.migrationsExecuted);
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public Path directory() {
        return dir;
    }

    /** Closes the database (H2 writes and closes its file when the last connection goes) and unlocks the directory. */
    @Override
    public void close() {
        dataSource.close();
        try {
            lock.release();
        } catch (IOException e) {
            log.debug("Releasing the lock of {} failed: {}", dir, e.toString());
        }
        closeQuietly(lockChannel);
    }

    private static String oneLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = String.valueOf(root.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("Closing a lock file failed: {}", e.toString());
        }
    }
}
