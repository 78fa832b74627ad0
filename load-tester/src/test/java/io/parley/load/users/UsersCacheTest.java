package io.parley.load.users;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.protocol.Json;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsersCacheTest {
    @TempDir
    Path dir;

    @Test
    void savesAndLoadsUsersByLowerCasedName() {
        UsersCache cache = new UsersCache(dir.resolve("users.json"), Json.newMapper());
        cache.save(
                "http://127.0.0.1:8080",
                List.of(new LoadUser("1", "Load_000000", "t1"), new LoadUser("2", "load_000001", "t2")));

        var users = cache.load();

        assertThat(users).containsOnlyKeys("load_000000", "load_000001");
        assertThat(users.get("load_000000").id()).isEqualTo("1");
        assertThat(users.get("load_000001").token()).isEqualTo("t2");
    }

    @Test
    void isEmptyWithoutAFile() {
        assertThat(new UsersCache(dir.resolve("none.json"), Json.newMapper()).load())
                .isEmpty();
        assertThat(new UsersCache(null, Json.newMapper()).load()).isEmpty();
    }

    @Test
    void usernamesAreValidAndStable() {
        assertThat(UserProvisioner.usernames("load_", 5, 2)).containsExactly("load_000005", "load_000006");
        assertThat(new LoadUser("1", "a", "secret-token").toString()).doesNotContain("secret-token");
    }
}
