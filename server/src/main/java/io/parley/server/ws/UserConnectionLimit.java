package io.parley.server.ws;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts each user's WebSocket connections on this replica and refuses one past the limit, so one account cannot
 * hold an unbounded share of a replica's connections and memory. A slot is taken before the upgrade and given back
 * when the channel closes.
 */
public final class UserConnectionLimit {
    private final int maxPerUser;
    private final Map<Long, Integer> counts = new ConcurrentHashMap<>();

    public UserConnectionLimit(int maxPerUser) {
        if (maxPerUser < 1) {
            throw new IllegalArgumentException("maxPerUser: " + maxPerUser + " (expected: at least 1)");
        }
        this.maxPerUser = maxPerUser;
    }

    public int maxPerUser() {
        return maxPerUser;
    }

    /** Takes a slot; false when the user already holds {@code maxPerUser} connections here. */
    public boolean tryAcquire(long userId) {
        boolean[] taken = {false};
        counts.compute(userId, (id, n) -> {
            int current = n == null ? 0 : n;
            if (current >= maxPerUser) {
                return n;
            }
            taken[0] = true;
            return current + 1;
        });
        return taken[0];
    }

    public void release(long userId) {
        counts.computeIfPresent(userId, (id, n) -> n <= 1 ? null : n - 1);
    }
}
