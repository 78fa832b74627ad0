package io.parley.load.cli;

import io.parley.load.LoadContext;
import io.parley.load.chat.ChatPlan;
import io.parley.load.chat.ChatReport;
import io.parley.load.chat.ChatResult;
import io.parley.load.chat.ChatRun;
import io.parley.load.chat.MessageIds;
import io.parley.load.net.ClientTransport;
import io.parley.load.users.LoadUser;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/** A timed sending scenario ({@code chat}, {@code fanout}): users, transport, run, table, JSON, exit code. */
abstract class SendingCommand implements Callable<Integer> {
    private final LoadContext ctx;
    private final String scenario;
    private final double defaultRate;

    @Mixin
    TargetOptions target;

    @Mixin
    UserOptions users;

    @Mixin
    ChatOptions chat;

    SendingCommand(LoadContext ctx, String scenario, double defaultRate) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
        this.scenario = Objects.requireNonNull(scenario, "scenario");
        this.defaultRate = defaultRate;
    }

    /** The scenario's plan at {@code rate} messages per second in rooms named {@code roomPrefix}-0, -1, ... */
    abstract ChatPlan plan(double rate, String roomPrefix);

    @Override
    public final Integer call() throws Exception {
        MessageIds ids = MessageIds.random();
        ChatPlan plan = plan(
                chat.rate > 0 ? chat.rate : defaultRate,
                chat.roomPrefix != null ? chat.roomPrefix : scenario + "-" + ids.tag());
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
        List<LoadUser> loadUsers = users.provision(ctx, target.api(), plan.users());
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
            result = new ChatRun(plan, settings, target.targets(), transport, loadUsers, ctx.codec(), ids, ctx.err())
                    .run();
        }
        ChatReport.print(result, ctx.out());
        if (chat.json != null) {
            ctx.json().write(chat.json, result);
        }
        return result.ok() ? 0 : 1;
    }
}
