package io.parley.server.bus;

/** Delivers what is published on the channels that local connections need: Redis pub/sub or in-process. */
public interface Subscriber extends AutoCloseable {
    /** Receives every message of every subscribed channel; must hand work off quickly. */
    interface Listener {
        void onMessage(String channel, byte[] payload);

        /**
         * The connection came back after it was lost and every wanted channel is subscribed again; whatever was
         * published in between never arrives. Called on the subscriber's thread: hand the work off.
         */
        default void onResubscribed() {}
    }

    /** Starts receiving; the listener is given here because it needs this subscriber to be built first. */
    void start(Listener listener);

    void subscribe(String channel);

    void unsubscribe(String channel);

    @Override
    void close();
}
