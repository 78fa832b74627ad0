package io.parley.worker;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A file whose modification time says the worker loop was healthy recently; a container health check reads it. */
final class HealthFile {
    private static final Logger log = LoggerFactory.getLogger(HealthFile.class);

    private final Optional<Path> path;
    private boolean failing;

    HealthFile(Optional<Path> path) {
        this.path = requireNonNull(path, "path");
    }

    /** Creates the file or moves its modification time to now. */
    synchronized void touch() {
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
