package io.parley.server.auth;

import io.parley.server.Blocking;
import io.parley.server.bus.Publisher;
import io.parley.server.store.UserRecord;
import io.parley.server.store.UserStore;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Resolves a token's user in the database at the door (every REST call and WebSocket upgrade), so that a signed
 * token of a deleted or never-existing user is refused and nothing is acknowledged that the worker will not store.
 * Answers, "no such user" included, are cached for {@link #TTL_SECONDS} seconds; a replica that changes an account
 * calls {@link #changed}, which drops the entry on every replica through the {@code user-changes} channel.
 */
public final class UserDirectory implements IdentityCheck {
    /** How long an answer is trusted without asking the database again. */
    public static final int TTL_SECONDS = 5;
    /** Past this many cached users the cache starts over rather than growing. */
    static final int MAX_ENTRIES = 100_000;

    private final UserStore users;
    private final Blocking blocking;
    private final Publisher events;
    private final String changesChannel;
    private final Map<Long, Entry> cache = new ConcurrentHashMap<>();

    /** One cached answer: the account as stored now, or empty for no such user. */
    private record Entry(Optional<UserRecord> account, long loadedNanos) {
        boolean fresh(long now) {
            return now - loadedNanos < TimeUnit.SECONDS.toNanos(TTL_SECONDS);
        }
    }

    public UserDirectory(UserStore users, Blocking blocking, Publisher events, String changesChannel) {
        this.users = Objects.requireNonNull(users, "users");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
        this.events = Objects.requireNonNull(events, "events");
        this.changesChannel = Objects.requireNonNull(changesChannel, "changesChannel");
    }

    /** Blocking form, for callers already on the blocking pool. */
    public Optional<Principal> resolve(Principal claimed) throws SQLException {
        long now = System.nanoTime();
        Entry entry = cache.get(claimed.userId());
        if (entry == null || !entry.fresh(now)) {
            if (cache.size() >= MAX_ENTRIES) {
                cache.clear();
            }
            entry = new Entry(users.findById(claimed.userId()), now);
            cache.put(claimed.userId(), entry);
        }
        return current(claimed, entry);
    }

    /**
     * The principal as the database has it (username, admin), or empty for no such user, a disabled account, or a
     * token issued under an earlier token epoch (before a disable).
     */
    private static Optional<Principal> current(Principal claimed, Entry entry) {
        return entry.account()
                .filter(a -> !a.disabled() && claimed.tokenEpoch() == a.tokenEpoch())
                .map(a -> new Principal(
                        claimed.userId(), a.username(), claimed.expiresAt(), a.admin(), claimed.tokenEpoch()));
    }

    /** Answers at once from the cache, else after a database lookup on the blocking pool. */
    @Override
    public CompletableFuture<Optional<Principal>> current(Principal claimed) {
        Entry entry = cache.get(claimed.userId());
        if (entry != null && entry.fresh(System.nanoTime())) {
            return CompletableFuture.completedFuture(current(claimed, entry));
        }
        return blocking.call(() -> resolve(claimed));
    }

    /** An account changed (deleted, renamed, disabled, enabled, granted, revoked): forget it here and on every other replica. */
    public void changed(long userId) {
        cache.remove(userId);
        events.publish(changesChannel, Long.toString(userId).getBytes(StandardCharsets.US_ASCII));
    }

    /** A {@link #changed} event from any replica, this one included. */
    public void onChange(byte[] payload) {
        try {
            cache.remove(Long.parseLong(new String(payload, StandardCharsets.US_ASCII)));
        } catch (NumberFormatException e) {
            cache.clear(); // unreadable: forgetting everything is always safe
        }
    }
}
