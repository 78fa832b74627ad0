package io.parley.load.stats;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The fate of every message of one run, indexed by the schedule's message number: when it was sent, whether it was
 * acknowledged or refused, how many distinct connections received it, and the seq the server gave it.
 */
public final class MessageLedger {
    public static final int PLANNED = 0;
    public static final int SENT = 1;
    public static final int ACKED = 2;
    public static final int FAILED = 3;

    /** Largest run the ledger accepts (24 bytes per message). */
    public static final long MAX_MESSAGES = 50_000_000;

    private final int size;
    private final AtomicLongArray sentNanos;
    private final AtomicIntegerArray state;
    private final AtomicIntegerArray deliveries;
    private final AtomicLongArray seq;

    public MessageLedger(long size) {
        if (size < 0 || size > MAX_MESSAGES) {
            throw new IllegalArgumentException("messages: " + size + " (expected: 0-" + MAX_MESSAGES + ")");
        }
        this.size = (int) size;
        this.sentNanos = new AtomicLongArray(this.size);
        this.state = new AtomicIntegerArray(this.size);
        this.deliveries = new AtomicIntegerArray(this.size);
        this.seq = new AtomicLongArray(this.size);
    }

    public int size() {
        return size;
    }

    public boolean contains(long index) {
        return index >= 0 && index < size;
    }

    public void sent(int index, long nanos) {
        sentNanos.set(index, nanos);
        state.compareAndSet(index, PLANNED, SENT);
    }

    public long sentNanos(int index) {
        return sentNanos.get(index);
    }

    /** Marks the message acknowledged; false when it was already answered (a repeated ack or an ack after an error). */
    public boolean acked(int index) {
        return state.compareAndSet(index, SENT, ACKED);
    }

    public boolean failed(int index) {
        return state.compareAndSet(index, SENT, FAILED);
    }

    public int state(int index) {
        return state.get(index);
    }

    /** Counts one distinct delivery; returns the seq the first receiver saw, or {@code seq} when this is the first. */
    public long delivered(int index, long observedSeq) {
        deliveries.incrementAndGet(index);
        if (seq.compareAndSet(index, 0, observedSeq)) {
            return observedSeq;
        }
        return seq.get(index);
    }

    public int deliveries(int index) {
        return deliveries.get(index);
    }

    public long seq(int index) {
        return seq.get(index);
    }
}
