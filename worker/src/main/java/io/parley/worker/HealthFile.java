package io.parley.worker;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file whose modification time says the worker loop was healthy recently, for container health checks that read
 * files; {@code /healthz} asks {@link #healthyWithin} instead.
 */
final class HealthFile {
    private static final Logger log = LoggerFactory.getLogger(HealthFile.class);

    private final Optional<Path> path;
    private boolean failing;
    private volatile long lastTouchNanos;
    private volatile boolean touched;

    HealthFile(Optional<Path> path) {
        this.path = requireNonNull(path, "path");
    }

    /** Whether the worker loop was healthy within {@code maxAge} (for {@code /healthz}). */
    boolean healthyWithin(Duration maxAge) {
        return touched && System.nanoTime() - lastTouchNanos <= maxAge.toNanos();
    }

    /** Creates the file or moves its modification time to now. */
    synchronized void touch() {
        lastTouchNanos = System.nanoTime();
        touched = true;
        if (path.isEmpty()) {
            return;
        }
        Path file = path.get();
        try {
            if (Files.exists(file)) {
                Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
            } else {
                Files.createFile(file);
            }
            failing = false;
        } catch (IOException e) {
            if (!failing) {
                log.warn("Cannot touch the health file {}: {}", file, e.toString());
                failing = true;
            }
        }
    }
}
