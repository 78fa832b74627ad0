package io.parley.load.cli;

import io.parley.load.LoadContext;
import io.parley.load.chat.ChatPlan;
import io.parley.load.chat.ChatReport;
import io.parley.load.chat.ChatResult;
import io.parley.load.chat.ChatRun;
import io.parley.load.chat.MessageIds;
import io.parley.load.net.ClientTransport;
import io.parley.load.users.LoadUser;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** Runs a planned chat or fanout: users, transport, run, table, JSON, exit code. */
final class ChatLauncher {
    private ChatLauncher() {}

    static int launch(
            LoadContext ctx,
            String scenario,
            ChatPlan plan,
            ChatOptions chat,
            TargetOptions target,
            UserOptions userOptions,
            MessageIds ids)
            throws InterruptedException, IOException {
        if (plan.ratePerSender() > chat.perConnectionBudget()) {
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "rate: %.0f/s over %d sending connections is %.1f/s each, above 90%% of the server's limit of "
                            + "%.0f/s (--server-rate-limit): add senders or raise the server's PARLEY_RATE_PER_SEC",
                    plan.rate(),
                    plan.senders(),
                    plan.ratePerSender(),
                    chat.serverRateLimit));
        }
        List<LoadUser> users = userOptions.provision(ctx, target.api(), plan.users());
        if (chat.warmupSeconds < 0 || chat.warmupSeconds >= chat.duration) {
            throw new IllegalArgumentException(
                    "warmup: " + chat.warmupSeconds + " (expected: 0 <= warmup < duration " + chat.duration + ")");
        }
        ChatRun.Settings settings = new ChatRun.Settings(
                scenario,
                Duration.ofSeconds(chat.graceSeconds),
                Duration.ofMillis(Math.round(chat.warmupSeconds * 1000)),
                target.connectRate,
                target.maxInFlight,
                chat.joinRate,
                target.setupTimeout(),
                target.threads);
        ChatResult result;
        try (ClientTransport transport = new ClientTransport(target.threads, ctx.codec())) {
            result = new ChatRun(plan, settings, target.targets(), transport, users, ctx.codec(), ids, ctx.err()).run();
        }
        ChatReport.print(result, ctx.out());
        if (chat.json != null) {
            ctx.json().write(chat.json, result);
        }
        return result.ok() ? 0 : 1;
    }
}
