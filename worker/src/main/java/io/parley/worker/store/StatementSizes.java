package io.parley.worker.store;

/**
 * The few sizes that IN-list statements come in (powers of two up to {@link #MAX}), so that their texts repeat and
 * the JDBC driver's statement cache hits instead of parsing a new text for every batch size.
 */
final class StatementSizes {
    /** The largest size; longer lists are split into chunks of it. */
    static final int MAX = 256;

    private StatementSizes() {}

    /** The smallest size that holds {@code n} (1 to {@link #MAX}) values: a list is padded to it by repeating one. */
    static int padded(int n) {
        if (n < 1 || n > MAX) {
            throw new IllegalArgumentException("n: " + n + " (expected: 1-" + MAX + ")");
        }
        return Integer.highestOneBit(n) == n ? n : Integer.highestOneBit(n) << 1;
    }
}
