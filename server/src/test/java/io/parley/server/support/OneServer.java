package io.parley.server.support;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One server replica in this JVM on a {@link Stack} of its own, for a whole test class ({@code @RegisterExtension}
 * on a static field), with a REST client on it and, if asked, one registered account.
 */
public final class OneServer implements BeforeAllCallback, AfterAllCallback {
    private final String serverId;
    private final String accountName;
    private final String[] overrides;
    private Stack stack;
    private int port;
    private Rest rest;
    private Rest.Account account;

    private OneServer(String serverId, String accountName, String... overrides) {
        this.serverId = serverId;
        this.accountName = accountName;
        this.overrides = overrides.clone();
    }

    /** A replica named {@code serverId} with these environment overrides. */
    public static OneServer named(String serverId, String... overrides) {
        return new OneServer(serverId, null, overrides);
    }

    /** The same, with an account {@code accountName} registered once the replica is up. */
    public static OneServer withAccount(String serverId, String accountName, String... overrides) {
        return new OneServer(serverId, accountName, overrides);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        stack = new Stack();
        port = stack.startServer(serverId, overrides).port();
        rest = new Rest(port);
        if (accountName != null) {
            account = rest.newAccount(accountName);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stack.close();
    }

    public Stack stack() {
        return stack;
    }

    public int port() {
        return port;
    }

    public Rest rest() {
        return rest;
    }

    public Rest.Account account() {
        return account;
    }
}
