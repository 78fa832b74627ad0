package io.parley.load.net;

/** What a scenario does with the frames of one connection; called on that connection's event loop. */
public interface ConnectionListener {
    void onFrame(Connection connection, InboundFrame frame, long receivedNanos);

    /** The connection ended; {@code closeCode} is the server's close code, or 1006 when none came. */
    default void onClosed(Connection connection, int closeCode) {}
}
