package io.parley.server.auth;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Answers who a token's principal is now: the current account, or empty when it no longer exists. */
@FunctionalInterface
public interface IdentityCheck {
    CompletableFuture<Optional<Principal>> current(Principal claimed);
}
