package io.parley.load.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a result record as indented JSON (the {@code --json} file). */
public final class JsonReport {
    private final ObjectMapper mapper;

    public JsonReport(ObjectMapper mapper) {
        this.mapper = mapper.copy().enable(SerializationFeature.INDENT_OUTPUT);
    }

    public void write(Path file, Object result) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        mapper.writeValue(file.toFile(), result);
    }

    public <T> T read(Path file, Class<T> type) throws IOException {
        return mapper.readValue(file.toFile(), type);
    }
}
