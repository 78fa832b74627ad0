package io.parley.load.cli;

import io.parley.load.net.Targets;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/** Where to connect and how fast to open connections; shared by every scenario. */
public final class TargetOptions {
    @Option(
            names = {"-t", "--target"},
            split = ",",
            paramLabel = "URL",
            defaultValue = "ws://127.0.0.1:8080/ws",
            description = "WebSocket URL(s), used round-robin per connection (replicas or a load balancer); "
                    + "repeat or comma-separate. Default: ${DEFAULT-VALUE}")
    List<String> targets;

    @Option(
            names = "--api",
            paramLabel = "URL",
            description = "REST base for register/login. Default: http://<host>:<port> of the first target.")
    URI api;

    @Option(names = "--threads", paramLabel = "N", description = "Event-loop threads. Default: available cores.")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(
            names = "--connect-rate",
            paramLabel = "PER_SEC",
            defaultValue = "500",
            description = "New connections per second. Default: ${DEFAULT-VALUE}")
    double connectRate;

    @Option(
            names = "--max-in-flight",
            paramLabel = "N",
            defaultValue = "200",
            description = "Handshakes in flight at once. Default: ${DEFAULT-VALUE}")
    int maxInFlight;

    @Option(
            names = "--setup-timeout",
            paramLabel = "SECONDS",
            defaultValue = "120",
            description = "Deadline for connecting and joining. Default: ${DEFAULT-VALUE}")
    long setupTimeoutSeconds;

    Targets targets() {
        return Targets.parse(targets);
    }

    URI api() {
        return api != null ? api : targets().first().httpBase();
    }

    Duration setupTimeout() {
        return Duration.ofSeconds(setupTimeoutSeconds);
    }
}
