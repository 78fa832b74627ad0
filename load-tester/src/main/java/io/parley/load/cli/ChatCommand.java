package io.parley.load.cli;

import io.parley.load.LoadContext;
import io.parley.load.chat.ChatPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code chat}: U users in R rooms (K each) sending at a fixed total rate; counts every ack and delivery. */
@Command(
        name = "chat",
        mixinStandardHelpOptions = true,
        description = {
            "Steady chat: every connection sends in turn into its user's rooms at a fixed total rate "
                    + "(open loop), and every receiving connection checks what it gets.",
            "Measures send->ack and send->delivery latency; counts sent, acked, errors by code, expected, "
                    + "delivered, lost, duplicated and out-of-order deliveries. Rooms are joined with the join "
                    + "frame, which creates them."
        })
public final class ChatCommand extends SendingCommand {
    @Option(
            names = {"-u", "--users"},
            paramLabel = "U",
            defaultValue = "200",
            description = "Users. Default: ${DEFAULT-VALUE}")
    int userCount;

    @Option(names = "--rooms", paramLabel = "R", defaultValue = "4", description = "Rooms. Default: ${DEFAULT-VALUE}")
    int rooms;

    @Option(
            names = "--rooms-per-user",
            paramLabel = "K",
            defaultValue = "1",
            description = "Rooms each user is in. Default: ${DEFAULT-VALUE}")
    int roomsPerUser;

    @Option(
            names = "--conns-per-user",
            paramLabel = "C",
            defaultValue = "0",
            description = "Connections per user; 0 picks the fewest that keep every connection under 90%% of the "
                    + "server's rate limit. Default: ${DEFAULT-VALUE}")
    int connsPerUser;

    public ChatCommand(LoadContext ctx) {
        super(ctx, "chat", 1000);
    }

    @Override
    ChatPlan plan(double rate, String roomPrefix) {
        int c = connsPerUser > 0
                ? connsPerUser
                : Math.max(1, (int) Math.ceil(rate / (userCount * chat.perConnectionBudget())));
        return new ChatPlan(
                userCount, c, rooms, roomsPerUser, userCount * c, rate, chat.duration, chat.bodySize, roomPrefix);
    }
}
