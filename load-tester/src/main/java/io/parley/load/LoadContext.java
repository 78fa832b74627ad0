package io.parley.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.parley.load.idle.ProcStatus;
import io.parley.load.report.JsonReport;
import io.parley.protocol.FrameCodec;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Objects;

/**
 * The collaborators every command needs, built once by {@link LoadMain}: the protocol codec, output streams, the
 * /proc reader, and how to start a child JVM of this same program.
 */
public record LoadContext(
        ObjectMapper mapper,
        FrameCodec codec,
        JsonReport json,
        PrintStream out,
        PrintStream err,
        InputStream in,
        ProcStatus proc,
        List<String> childJvm) {
    public LoadContext {
        Objects.requireNonNull(mapper, "mapper");
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(json, "json");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(err, "err");
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(proc, "proc");
        childJvm = List.copyOf(childJvm);
    }
}
