package io.parley.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.parley.load.cli.RootCommand;
import io.parley.load.idle.ProcStatus;
import io.parley.load.report.JsonReport;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.Json;
import java.util.List;
import picocli.CommandLine;

/** Entry point and composition root of the load tester: builds the shared collaborators and runs the command line. */
public final class LoadMain {
    private LoadMain() {}

    public static void main(String[] args) {
        System.exit(run(args, defaultContext()));
    }

    /** Runs one command line against the given context and returns the exit code (tests call this in-process). */
    public static int run(String[] args, LoadContext context) {
        CommandLine cli = new CommandLine(new RootCommand(), new CommandFactory(context));
        cli.setOut(new java.io.PrintWriter(context.out(), true));
        cli.setErr(new java.io.PrintWriter(context.err(), true));
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof SetupException || e instanceof IllegalArgumentException) {
                context.err().println("error: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cli.execute(args);
    }

    public static LoadContext defaultContext() {
        ObjectMapper mapper = Json.newMapper();
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> childJvm = List.of(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                LoadMain.class.getName());
        return new LoadContext(
                mapper,
                new FrameCodec(mapper),
                new JsonReport(mapper),
                System.out,
                System.err,
                System.in,
                ProcStatus.system(),
                childJvm);
    }

    /** Gives commands that want it the context; everything else is built the picocli way. */
    private record CommandFactory(LoadContext context) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            try {
                return type.getDeclaredConstructor(LoadContext.class).newInstance(context);
            } catch (NoSuchMethodException e) {
                return CommandLine.defaultFactory().create(type);
            }
        }
    }
}
