package io.parley.server.chat;

import java.util.ArrayDeque;
import java.util.List;

/**
 * What this replica has delivered of one locally listened room: the last seq fanned out, and while the room is
 * catching up from the database after a pub/sub reconnect, the live messages held back so that they follow the
 * missed ones in seq order. Guarded by its own monitor.
 */
final class RoomFeed {
    /** Live messages held back per room while it catches up; past this the rest are dropped (clients fill gaps). */
    static final int MAX_HELD = 10_000;

    private static final byte[] SEQ_FIELD = "\"seq\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final long listeningSinceMs;
    private long lastSeq = -1;
    private long catchUpGeneration;
    private final ArrayDeque<byte[]> held = new ArrayDeque<>();
    private int dropped;

    RoomFeed(long listeningSinceMs) {
        this.listeningSinceMs = listeningSinceMs;
    }

    /** The last seq fanned out here, or -1 when none was since this replica started listening to the room. */
    long lastSeq() {
        return lastSeq;
    }

    long listeningSinceMs() {
        return listeningSinceMs;
    }

    /** Whether a live message frame is to be fanned out now: not while catching up (held), nor an old seq again. */
    boolean offer(byte[] messageFrame) {
        if (catchUpGeneration != 0) {
            if (held.size() < MAX_HELD) {
                held.add(messageFrame);
            } else {
                dropped++;
            }
            return false;
        }
        return advance(seqOf(messageFrame));
    }

    /** Moves past {@code seq}; false when it was fanned out already (a republished duplicate or a caught-up one). */
    boolean advance(long seq) {
        if (seq <= lastSeq) {
            return false;
        }
        lastSeq = seq;
        return true;
    }

    void startCatchUp(long generation) {
        catchUpGeneration = generation;
    }

    long catchUpGeneration() {
        return catchUpGeneration;
    }

    /** Ends the catch-up: answers the held live frames in arrival order. */
    List<byte[]> endCatchUp() {
        catchUpGeneration = 0;
        List<byte[]> frames = List.copyOf(held);
        held.clear();
        return frames;
    }

    int takeDropped() {
        int d = dropped;
        dropped = 0;
        return d;
    }

    /**
     * The seq of an encoded message frame. Only the id and the room precede it, and neither can hold a quote, so the
     * first {@code "seq":} is the field.
     */
    static long seqOf(byte[] frame) {
        outer:
        for (int i = 0; i + SEQ_FIELD.length < frame.length; i++) {
            for (int j = 0; j < SEQ_FIELD.length; j++) {
                if (frame[i + j] != SEQ_FIELD[j]) {
                    continue outer;
                }
            }
            long seq = 0;
            for (int k = i + SEQ_FIELD.length; k < frame.length && frame[k] >= '0' && frame[k] <= '9'; k++) {
                seq = seq * 10 + (frame[k] - '0');
            }
            return seq;
        }
        throw new IllegalArgumentException("message frame without a seq (" + frame.length + " bytes)");
    }
}
