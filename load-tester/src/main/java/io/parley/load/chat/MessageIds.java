package io.parley.load.chat;

import java.util.Objects;

/**
 * The ids a run puts on its messages: {@code ref} is the message number in base 36, {@code clientMsgId} is
 * {@code <run tag>.<number>}, so every receiver can tell which message of which run it got. A fresh tag per run
 * keeps the server's (sender, clientMsgId) de-duplication from swallowing messages of a rerun.
 */
public final class MessageIds {
    private final String tag;
    private final String prefix;

    public MessageIds(String tag) {
        this.tag = Objects.requireNonNull(tag, "tag");
        if (!tag.matches("[a-z0-9]{1,16}")) {
            throw new IllegalArgumentException("tag: " + tag + " (expected: 1-16 of a-z0-9)");
        }
        this.prefix = tag + ".";
    }

    public static MessageIds random() {
        return new MessageIds(Long.toString(
                java.util.concurrent.ThreadLocalRandom.current()
                        .nextLong(36L * 36 * 36 * 36 * 36, 36L * 36 * 36 * 36 * 36 * 36),
                36));
    }

    public String tag() {
        return tag;
    }

    public String ref(long index) {
        return Long.toString(index, 36);
    }

    public String clientMsgId(long index) {
        return prefix + Long.toString(index, 36);
    }

    /** The message number in a clientMsgId of this run, or -1 when it is not one. */
    public long parseClientMsgId(String clientMsgId) {
        if (clientMsgId == null || !clientMsgId.startsWith(prefix)) {
            return -1;
        }
        return parse(clientMsgId, prefix.length());
    }

    /** The message number in a ref, or -1 when it is not one. */
    public long parseRef(String ref) {
        return ref == null ? -1 : parse(ref, 0);
    }

    private static long parse(String s, int from) {
        if (from >= s.length() || s.length() - from > 12) {
            return -1;
        }
        long value = 0;
        for (int i = from; i < s.length(); i++) {
            int d = Character.digit(s.charAt(i), 36);
            if (d < 0 || Character.isUpperCase(s.charAt(i))) {
                return -1;
            }
            value = value * 36 + d;
        }
        return value;
    }
}
