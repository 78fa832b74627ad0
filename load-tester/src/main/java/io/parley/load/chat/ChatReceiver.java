package io.parley.load.chat;

import io.parley.load.net.Connection;
import io.parley.load.net.ConnectionListener;
import io.parley.load.net.InboundFrame;
import io.parley.load.stats.SeqTracker;
import io.parley.protocol.RoomCursor;
import io.parley.protocol.ServerFrame;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One connection's view of a chat run: which of its rooms it is subscribed to (from {@code ready} and
 * {@code joined}, with each room's seq at that moment as the baseline) and what it received since.
 */
final class ChatReceiver implements ConnectionListener {
    private final ChatCounters counters;
    /** Touched only on this connection's event loop. */
    private final Map<String, SeqTracker> trackers = new HashMap<>();

    private final java.util.Set<String> plannedRooms;
    private volatile long delivered;

    ChatReceiver(ChatCounters counters, java.util.Set<String> plannedRooms) {
        this.counters = Objects.requireNonNull(counters, "counters");
        this.plannedRooms = Objects.requireNonNull(plannedRooms, "plannedRooms");
    }

    long delivered() {
        return delivered;
    }

    @SuppressWarnings("NonAtomicOperationOnVolatileField") // single writer: the event loop
    void countDelivery() {
        delivered++;
    }

    @Override
    public void onFrame(Connection connection, InboundFrame frame, long now) {
        switch (frame.type()) {
            case InboundFrame.MESSAGE -> counters.onDelivery(trackers, frame, now, this);
            case InboundFrame.ACK -> counters.onAck(frame, now);
            case InboundFrame.ERROR -> counters.onError(frame);
            default -> {
                if (frame.full() instanceof ServerFrame.Ready ready && ready.rooms() != null) {
                    for (RoomCursor room : ready.rooms()) {
                        subscribe(room.name(), room.lastSeq());
                    }
                } else if (frame.full() instanceof ServerFrame.Joined joined && joined.room() != null) {
                    subscribe(joined.room().name(), joined.room().lastSeq());
                }
            }
        }
    }

    private void subscribe(String room, long lastSeq) {
        if (plannedRooms.contains(room) && !trackers.containsKey(room)) {
            trackers.put(room, new SeqTracker(lastSeq));
            counters.onSubscribed();
        }
    }

    @Override
    public void onClosed(Connection connection, int closeCode) {
        counters.onClosed(closeCode);
    }
}
