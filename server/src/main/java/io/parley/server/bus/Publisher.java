package io.parley.server.bus;

/** Publishes encoded frames and events on room and user channels, best effort and without blocking the caller. */
public interface Publisher {
    void publish(String channel, byte[] payload);
}
