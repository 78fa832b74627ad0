package io.parley.load.cli;

import io.parley.load.LoadContext;
import io.parley.load.users.JwtMinter;
import io.parley.load.users.LoadUser;
import io.parley.load.users.UserProvisioner;
import io.parley.load.users.UsersCache;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/** How the load tester gets its users: REST registration (cached in a file) or locally minted tokens. */
public final class UserOptions {
    @Option(
            names = "--users-cache",
            paramLabel = "FILE",
            description = "JSON file of registered users and tokens; reruns reuse it and skip registration.")
    Path usersCache;

    @Option(
            names = "--user-prefix",
            paramLabel = "PREFIX",
            defaultValue = "load_",
            description = "Usernames are PREFIX000000, PREFIX000001, ... Default: ${DEFAULT-VALUE}")
    String userPrefix;

    @Option(
            names = "--password",
            paramLabel = "PASSWORD",
            defaultValue = "load-test-password",
            description = "Password of every load user (8-128 characters). Default: ${DEFAULT-VALUE}")
    String password;

    @Option(
            names = "--register-concurrency",
            paramLabel = "N",
            defaultValue = "4",
            description = "REST register/login requests in flight (each costs the server a bcrypt hash). "
                    + "Default: ${DEFAULT-VALUE}")
    int registerConcurrency;

    @Option(
            names = "--jwt-secret",
            paramLabel = "SECRET",
            defaultValue = "${env:PARLEY_LOAD_JWT_SECRET}",
            description = "The server's PARLEY_JWT_SECRET: mint tokens locally for users whose ids are known (from "
                    + "--users-cache) instead of logging in. Users must still exist on the server. "
                    + "Better given as env PARLEY_LOAD_JWT_SECRET than on the command line.")
    String jwtSecret;

    List<LoadUser> provision(LoadContext ctx, URI api, int count) throws InterruptedException {
        JwtMinter minter = jwtSecret == null || jwtSecret.isBlank()
                ? null
                : new JwtMinter(jwtSecret, ctx.mapper(), Clock.systemUTC(), Duration.ofHours(24));
        UserProvisioner provisioner = new UserProvisioner(
                api,
                password,
                registerConcurrency,
                new UsersCache(usersCache, ctx.mapper()),
                minter,
                ctx.mapper(),
                ctx.err());
        ctx.err()
                .printf(
                        "Users: %,d (%s*) via %s%s%n",
                        count, userPrefix, api, usersCache == null ? "" : ", cache " + usersCache);
        return provisioner.provision(UserProvisioner.usernames(userPrefix, 0, count));
    }
}
