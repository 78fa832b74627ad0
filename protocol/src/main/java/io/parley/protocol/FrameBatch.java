package io.parley.protocol;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The internal pub/sub payload that carries several frames of one room in one {@code PUBLISH}, in order: a zero byte
 * (never the start of a JSON frame, so a listener tells it from a single frame) then each frame as a four-byte
 * big-endian length and its bytes. Listeners accept both, so servers can be upgraded before the workers.
 */
public final class FrameBatch {
    private static final byte MARKER = 0;

    private FrameBatch() {}

    /** One payload for {@code frames}: the frame itself when there is one, else a batch. */
    public static byte[] encode(List<byte[]> frames) {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("frames: empty (expected: at least one)");
        }
        if (frames.size() == 1) {
            return frames.getFirst();
        }
        int length = 1;
        for (byte[] frame : frames) {
            length += 4 + frame.length;
        }
        byte[] payload = new byte[length];
        payload[0] = MARKER;
        int at = 1;
        for (byte[] frame : frames) {
            int n = frame.length;
            payload[at] = (byte) (n >>> 24);
            payload[at + 1] = (byte) (n >>> 16);
            payload[at + 2] = (byte) (n >>> 8);
            payload[at + 3] = (byte) n;
            System.arraycopy(frame, 0, payload, at + 4, n);
            at += 4 + n;
        }
        return payload;
    }

    /** True when {@code payload} is a batch rather than a single frame. */
    public static boolean isBatch(byte[] payload) {
        return payload.length > 0 && payload[0] == MARKER;
    }

    /** The frames of {@code payload}, in order: itself when it is a single frame. */
    public static List<byte[]> frames(byte[] payload) {
        if (!isBatch(payload)) {
            return List.of(payload);
        }
        List<byte[]> frames = new ArrayList<>();
        int at = 1;
        while (at < payload.length) {
            if (payload.length - at < 4) {
                throw new IllegalArgumentException("frame batch: truncated length at byte " + at);
            }
            int n = ((payload[at] & 0xff) << 24)
                    | ((payload[at + 1] & 0xff) << 16)
                    | ((payload[at + 2] & 0xff) << 8)
                    | (payload[at + 3] & 0xff);
            at += 4;
            if (n < 0 || n > payload.length - at) {
                throw new IllegalArgumentException("frame batch: frame of " + n + " bytes at byte " + at
                        + " (expected: at most " + (payload.length - at) + ")");
            }
            frames.add(Arrays.copyOfRange(payload, at, at + n));
            at += n;
        }
        return frames;
    }
}
