package io.parley.load.users;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A JSON file of users already registered in one deployment ({@code {"api": ..., "users": [{id, username, token}]}}),
 * so reruns skip registration. Every replica of a deployment shares the users, so the file is not tied to the URL it
 * was filled through ({@code api} is informational); use one file per database. It holds bearer tokens: keep it
 * private; it is written with owner-only rights where the file system allows.
 */
public final class UsersCache {
    private final Path file;
    private final ObjectMapper mapper;

    public UsersCache(Path file, ObjectMapper mapper) {
        this.file = file;
        this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    public boolean enabled() {
        return file != null;
    }

    /** Users by lower-cased username; empty when there is no file. */
    public Map<String, LoadUser> load() {
        Map<String, LoadUser> users = new LinkedHashMap<>();
        if (file == null || !Files.exists(file)) {
            return users;
        }
        try {
            JsonNode root = mapper.readTree(file.toFile());
            for (JsonNode u : root.path("users")) {
                LoadUser user = new LoadUser(
                        u.path("id").asText(),
                        u.path("username").asText(),
                        u.path("token").asText());
                users.put(user.username().toLowerCase(java.util.Locale.ROOT), user);
            }
            return users;
        } catch (IOException e) {
            throw new UncheckedIOException("users cache " + file + " is unreadable", e);
        }
    }

    public void save(String api, Iterable<LoadUser> users) {
        if (file == null) {
            return;
        }
        ObjectNode root = mapper.createObjectNode().put("api", api);
        ArrayNode list = root.putArray("users");
        for (LoadUser u : users) {
            list.addObject().put("id", u.id()).put("username", u.username()).put("token", u.token());
        }
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".users", ".tmp");
            mapper.writeValue(tmp.toFile(), root);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write users cache " + file, e);
        }
    }
}
