package io.parley.server.support;

import io.parley.infra.Env;
import io.parley.server.Standalone;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/** Standalone mode in this JVM on a fresh data directory: the same parts as {@code parley-server.jar standalone}. */
public final class StandaloneInstance implements AutoCloseable {
    private final Standalone standalone;
    private final Path dataDir;

    private StandaloneInstance(Standalone standalone, Path dataDir) {
        this.standalone = standalone;
        this.dataDir = dataDir;
    }

    /** Starts on a free port with the test secret and cheap bcrypt, plus {@code overrides} (name, value, ...). */
    public static StandaloneInstance start(String... overrides) throws Exception {
        Path dataDir = Files.createTempDirectory("parley-standalone-");
        Map<String, String> env = new HashMap<>();
        env.put("PARLEY_DATA_DIR", dataDir.toString());
        env.put("PARLEY_HTTP_PORT", "0");
        env.put("PARLEY_JWT_SECRET", Stack.SECRET);
        env.put("PARLEY_BCRYPT_COST", "4");
        for (int i = 0; i < overrides.length; i += 2) {
            env.put(overrides[i], overrides[i + 1]);
        }
        return new StandaloneInstance(Standalone.start(new Env(env)), dataDir);
    }

    public int port() {
        return standalone.port();
    }

    public javax.sql.DataSource dataSource() {
        return standalone.dataSource();
    }

    @Override
    public void close() {
        standalone.close();
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
