package io.parley.load.cli;

import io.parley.load.LoadContext;
import io.parley.load.chat.ChatPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fanout}: one room of M members and a sender at a fixed rate; delivery latency to all members. */
@Command(
        name = "fanout",
        mixinStandardHelpOptions = true,
        description = "One room with M members, one (or a few) of them sending at a fixed rate; measures delivery "
                + "latency at every member and counts lost, duplicated and out-of-order deliveries.")
public final class FanoutCommand extends SendingCommand {
    @Option(
            names = {"-m", "--members"},
            paramLabel = "M",
            defaultValue = "1000",
            description = "Members of the room, one connection each. Default: ${DEFAULT-VALUE}")
    int members;

    @Option(
            names = "--senders",
            paramLabel = "S",
            defaultValue = "1",
            description = "Members that send, taking turns. Default: ${DEFAULT-VALUE}")
    int senders;

    public FanoutCommand(LoadContext ctx) {
        super(ctx, "fanout", 10);
    }

    @Override
    ChatPlan plan(double rate, String roomPrefix) {
        return new ChatPlan(members, 1, 1, 1, senders, rate, chat.duration, chat.bodySize, roomPrefix);
    }
}
