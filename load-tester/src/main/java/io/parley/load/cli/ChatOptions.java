package io.parley.load.cli;

import picocli.CommandLine.Option;

/** Options of a timed sending run, shared by {@code chat} and {@code fanout}. */
public final class ChatOptions {
    @Option(
            names = {"-r", "--rate"},
            paramLabel = "MSG_PER_SEC",
            description = "Total send rate (open loop).")
    double rate = -1;

    @Option(
            names = {"-d", "--duration"},
            paramLabel = "SECONDS",
            defaultValue = "10",
            description = "How long to send. Default: ${DEFAULT-VALUE}")
    double duration;

    @Option(
            names = "--body-size",
            paramLabel = "CHARS",
            defaultValue = "100",
            description = "Characters per message body (16-4000). Default: ${DEFAULT-VALUE}")
    int bodySize;

    @Option(
            names = "--grace",
            paramLabel = "SECONDS",
            defaultValue = "10",
            description = "After sending, wait this long for acks and deliveries before counting the rest as lost. "
                    + "Default: ${DEFAULT-VALUE}")
    long graceSeconds;

    @Option(
            names = "--warmup",
            paramLabel = "SECONDS",
            defaultValue = "0",
            description = "Leave the messages of the first SECONDS out of the latency histograms (they are still "
                    + "counted for loss, duplicates and order). Default: ${DEFAULT-VALUE}")
    double warmupSeconds;

    @Option(
            names = "--server-rate-limit",
            paramLabel = "FRAMES_PER_SEC",
            defaultValue = "20",
            description = "The server's per-connection limit (PARLEY_RATE_PER_SEC); sends are spread so that no "
                    + "connection exceeds 90%% of it. Default: ${DEFAULT-VALUE}")
    double serverRateLimit;

    @Option(
            names = "--join-rate",
            paramLabel = "PER_SEC",
            defaultValue = "500",
            description = "Join frames per second during setup. Default: ${DEFAULT-VALUE}")
    double joinRate;

    @Option(
            names = "--room-prefix",
            paramLabel = "PREFIX",
            description = "Rooms are PREFIX-0, PREFIX-1, ... (created by join). Default: a fresh one per run.")
    String roomPrefix;

    @Option(names = "--json", paramLabel = "FILE", description = "Write every figure as JSON to FILE.")
    java.nio.file.Path json;

    /** Highest per-connection send rate we plan for: 90% of the server's limit. */
    double perConnectionBudget() {
        return serverRateLimit * 0.9;
    }
}
