package io.parley.load.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code parley-load} command: picks a scenario. */
@Command(
        name = "parley-load",
        mixinStandardHelpOptions = true,
        version = "parley-load 1.0",
        description = "Load generator for Parley: a WebSocket client speaking parley.v1, latencies in HdrHistogram.",
        subcommands = {ChatCommand.class, FanoutCommand.class, ConnectionsCommand.class},
        footer = {
            "",
            "Exit codes: 0 all counts add up, 1 something was lost, duplicated, reordered or missing,"
                    + " 2 the run could not be set up."
        })
public final class RootCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }
}
