package io.parley.server.support;

import io.parley.infra.Env;
import io.parley.server.admin.AdminCli;
import io.parley.server.moderation.Accounts;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * Makes admins in a running stack the way an operator does: the admin command line on the stack's MySQL database,
 * or, for standalone mode (whose data directory is locked while it runs), the same accounts code in its process.
 */
public final class Admins {
    private Admins() {}

    /** Grants or revokes the admin role of {@code username} on the parts {@code started}. */
    public static void setAdmin(StackMode.Started started, String username, boolean admin) throws Exception {
        if (started.parts() instanceof StandaloneInstance standalone) {
            new Accounts(standalone.dataSource()).setAdmin(username, admin);
            return;
        }
        Stack stack = (Stack) started.parts();
        Result r = run(new Env(stack.env()), "", admin ? "grant" : "revoke", username);
        if (r.code() != AdminCli.OK) {
            throw new AssertionError("admin " + (admin ? "grant" : "revoke") + " failed: " + r);
        }
    }

    /** What one run of the command line printed and returned. */
    public record Result(int code, String out, String err) {}

    public static Result run(Env env, String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = AdminCli.run(
                args,
                env,
                new ByteArrayInputStream(stdin.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                new PrintWriter(out),
                new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }
}
