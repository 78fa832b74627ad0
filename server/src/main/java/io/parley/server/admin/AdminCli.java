package io.parley.server.admin;

import io.parley.infra.DatabaseSettings;
import io.parley.infra.Databases;
import io.parley.infra.EmbeddedDatabase;
import io.parley.infra.Env;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.Validation;
import io.parley.server.ApiException;
import io.parley.server.auth.PasswordHasher;
import io.parley.server.moderation.Accounts;
import io.parley.server.store.UserRecord;
import io.parley.server.store.UserStore;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.Callable;
import javax.sql.DataSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code parley-server.jar admin create|grant|revoke|list}: the only way to make admins. Works on the MySQL database
 * of {@code PARLEY_DB_URL} (pending migrations applied first, as the server does), or with {@code --data-dir} on a
 * standalone data directory while standalone mode is stopped (it holds the directory's lock while running).
 */
@Command(
        name = "admin",
        mixinStandardHelpOptions = true,
        description = "Creates administrators and grants or revokes the admin role.")
public final class AdminCli implements Callable<Integer> {
    /** Exit codes, one per kind of failure, so scripts can tell them apart. */
    public static final int OK = 0;

    public static final int USAGE = 2;
    public static final int UNKNOWN_USER = 3;
    public static final int INVALID_INPUT = 4;
    public static final int USERNAME_TAKEN = 5;
    public static final int DATABASE_DOWN = 6;

    private final Env env;
    private final InputStream stdin;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "A standalone data directory (standalone mode must be stopped); default: PARLEY_DB_URL")
    Path dataDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private AdminCli(Env env, InputStream stdin) {
        this.env = env;
        this.stdin = stdin;
    }

    /** Runs the command line and returns its exit code. */
    public static int run(String[] args, Env env, InputStream stdin, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new AdminCli(env, stdin));
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println("parley admin: " + e.getMessage());
            return 1;
        });
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    /** One step against the database, with its failures turned into exit codes and one line on stderr. */
    private int withAccounts(CommandLine line, Step step) {
        PrintWriter err = line.getErr();
        try (Opened db = open()) {
            return step.run(db.dataSource(), line.getOut());
        } catch (ApiException e) {
            err.println("parley admin: " + e.getMessage());
            return exitCodeOf(e.code());
        } catch (SQLException | EmbeddedDatabase.DataDirException | IllegalArgumentException e) {
            return databaseDown(err, e);
        } catch (RuntimeException e) {
            if (e.getCause() instanceof SQLException) {
                return databaseDown(err, e.getCause());
            }
            throw e;
        }
    }

    private int databaseDown(PrintWriter err, Throwable e) {
        String reason = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        err.println("parley admin: the database is not available (" + reason + "): check "
                + (dataDir != null ? "--data-dir (stop standalone mode first)" : "PARLEY_DB_URL and that it runs"));
        return DATABASE_DOWN;
    }

    @FunctionalInterface
    private interface Step {
        int run(DataSource dataSource, PrintWriter out) throws SQLException;
    }

    /** An open database for one command. */
    private record Opened(DataSource dataSource, AutoCloseable resource) implements AutoCloseable {
        @Override
        public void close() {
            try {
                resource.close();
            } catch (Exception e) {
                // closing after the work is done: nothing to tell the user
            }
        }
    }

    private Opened open() throws SQLException {
        if (dataDir != null) {
            EmbeddedDatabase db = EmbeddedDatabase.open(dataDir, 2);
            return new Opened(db.dataSource(), db);
        }
        DatabaseSettings settings = DatabaseSettings.fromEnv(env, 2);
        Databases.migrate(settings); // fails at once with an SQLException when the database is down
        var pool = Databases.open(settings, "parley-admin");
        return new Opened(pool, pool);
    }

    @Command(name = "create", description = "Registers NAME as an admin; password from PARLEY_ADMIN_PASSWORD or stdin.")
    int create(@Parameters(paramLabel = "NAME") String name) throws java.io.IOException {
        CommandLine line = spec.commandLine();
        if (!Validation.isValidUsername(name)) {
            line.getErr().println("parley admin: invalid username: expected 3-32 characters of A-Za-z0-9_.-");
            return INVALID_INPUT;
        }
        String password = password();
        if (password == null || !Validation.isValidPassword(password)) {
            line.getErr()
                    .println("parley admin: weak password: expected 8-128 characters"
                            + " (from PARLEY_ADMIN_PASSWORD or the first line of stdin)");
            return INVALID_INPUT;
        }
        String hash = new PasswordHasher(env.integer("PARLEY_BCRYPT_COST", 10, 4, 16)).hash(password);
        return withAccounts(line, (dataSource, out) -> {
            UserRecord user = new UserStore(dataSource).create(name, hash);
            new Accounts(dataSource).setAdmin(user.username(), true);
            out.println("created admin " + user.username() + " (id " + user.id() + ")");
            return OK;
        });
    }

    @Command(name = "grant", description = "Makes the existing user NAME an admin.")
    int grant(@Parameters(paramLabel = "NAME") String name) {
        return setRole(spec.commandLine(), name, true);
    }

    @Command(name = "revoke", description = "Takes the admin role from NAME.")
    int revoke(@Parameters(paramLabel = "NAME") String name) {
        return setRole(spec.commandLine(), name, false);
    }

    @Command(name = "list", description = "Lists the admins, one per line: username, id, and 'disabled' if so.")
    int list() {
        return withAccounts(spec.commandLine(), (dataSource, out) -> {
            for (Accounts.AdminUser a : new Accounts(dataSource).admins()) {
                out.println(a.username() + "\t" + a.id() + (a.disabled() ? "\tdisabled" : ""));
            }
            return OK;
        });
    }

    private int setRole(CommandLine line, String name, boolean admin) {
        if (!Validation.isValidUsername(name)) {
            line.getErr().println("parley admin: no such user: " + name);
            return UNKNOWN_USER;
        }
        return withAccounts(line, (dataSource, out) -> {
            new Accounts(dataSource).setAdmin(name, admin);
            out.println((admin ? "granted admin to " : "revoked admin from ") + name);
            return OK;
        });
    }

    /** {@code PARLEY_ADMIN_PASSWORD}, else the first line of standard input (the line end is not part of it). */
    private String password() throws java.io.IOException {
        String fromEnv = env.string("PARLEY_ADMIN_PASSWORD", null);
        if (fromEnv != null) {
            return fromEnv;
        }
        var reader = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
        return reader.readLine();
    }

    private static int exitCodeOf(ErrorCode code) {
        return switch (code) {
            case NOT_FOUND -> UNKNOWN_USER;
            case USERNAME_TAKEN -> USERNAME_TAKEN;
            case INVALID_USERNAME, INVALID_PASSWORD -> INVALID_INPUT;
            default -> 1;
        };
    }
}
