package io.parley.worker.store;

import java.util.ArrayList;
import java.util.List;

/**
 * The few sizes that list-carrying statements come in (powers of two up to {@link #MAX}), so that their texts repeat
 * and the JDBC driver's statement cache hits instead of parsing a new text for every batch size.
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

    /** Sizes that add up to {@code n}, largest first, for rows that cannot be padded: 70 is 64, 4, 2. */
    static List<Integer> chunks(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n: " + n + " (expected: >= 0)");
        }
        List<Integer> sizes = new ArrayList<>();
        int left = n;
        while (left >= MAX) {
            sizes.add(MAX);
            left -= MAX;
        }
        while (left > 0) {
            int size = Integer.highestOneBit(left);
            sizes.add(size);
            left -= size;
        }
        return sizes;
    }
}
