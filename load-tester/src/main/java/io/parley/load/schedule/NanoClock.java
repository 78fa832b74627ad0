package io.parley.load.schedule;

/** A monotonic nanosecond clock that can park the calling thread; tests substitute a manual one. */
public interface NanoClock {
    long nanoTime();

    /** Parks until {@code deadlineNanos} or a little after; may return early. */
    void parkUntil(long deadlineNanos);

    NanoClock SYSTEM = new NanoClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void parkUntil(long deadlineNanos) {
            long wait = deadlineNanos - System.nanoTime();
            if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
            }
        }
    };
}
