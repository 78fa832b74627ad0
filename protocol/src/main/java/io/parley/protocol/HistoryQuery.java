package io.parley.protocol;

/**
 * A validated history page request; {@code before} and {@code after} are null when absent.
 */
public record HistoryQuery(Long before, Long after, int limit) {
    public HistoryQuery {
        if (limit < 1 || limit > Limits.MAX_HISTORY_LIMIT) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: 1-" + Limits.MAX_HISTORY_LIMIT + ")");
        }
        if ((before != null && before < 0) || (after != null && after < 0)) {
            throw new IllegalArgumentException("before/after: negative (expected: >= 0)");
        }
    }

    /** True when the page is read oldest-first from {@code after}; otherwise newest-first back from {@code before}. */
    public boolean forward() {
        return after != null;
    }
}
