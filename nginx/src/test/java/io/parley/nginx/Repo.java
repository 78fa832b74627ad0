package io.parley.nginx;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths inside the repository checkout that the tests read (set by Maven as {@code parley.root}). */
final class Repo {
    private Repo() {}

    static Path root() {
        String configured = System.getProperty("parley.root");
        Path root = configured != null
                ? Path.of(configured)
                : Path.of("").toAbsolutePath().getParent();
        root = root.toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("pom.xml")) || !Files.isDirectory(root.resolve("nginx"))) {
            throw new IllegalStateException("parley.root: " + root + " (expected: the repository root)");
        }
        return root;
    }

    static Path resolve(String relative) {
        return root().resolve(relative);
    }
}
