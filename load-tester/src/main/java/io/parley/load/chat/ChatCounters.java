package io.parley.load.chat;

import io.parley.load.net.InboundFrame;
import io.parley.load.stats.CodeCounts;
import io.parley.load.stats.LatencyRecorder;
import io.parley.load.stats.MessageLedger;
import io.parley.load.stats.SeqTracker;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Everything a chat run counts while it runs: sends, acks, errors by code, and every delivery classified per
 * receiving connection and room (new, late, duplicate). Called concurrently from the event loops.
 */
public final class ChatCounters {
    final ChatPlan plan;
    final MessageIds ids;
    final MessageLedger ledger;
    final int[] subscribers;
    private final Map<String, Integer> roomIndex = new HashMap<>();

    final LongAdder sent = new LongAdder();
    final LongAdder acked = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder expected = new LongAdder();
    final LongAdder delivered = new LongAdder();
    final LongAdder duplicates = new LongAdder();
    final LongAdder outOfOrder = new LongAdder();
    final LongAdder seqMismatches = new LongAdder();
    final LongAdder foreign = new LongAdder();
    final LongAdder strayAcks = new LongAdder();
    final LongAdder subscriptions = new LongAdder();
    final LongAdder joinErrors = new LongAdder();
    final LongAdder[] ackedPerRoom;
    final LongAdder[] deliveredPerRoom;
    final LongAdder[] duplicatesPerRoom;
    final LongAdder[] outOfOrderPerRoom;
    final CodeCounts errors = new CodeCounts();
    final CodeCounts disconnects = new CodeCounts();
    final LatencyRecorder ackLatency = new LatencyRecorder();
    final LatencyRecorder deliveryLatency = new LatencyRecorder();
    final LatencyRecorder scheduleLag = new LatencyRecorder();
    volatile boolean running;
    /** Messages before this one are counted but kept out of the latency histograms (the warm-up). */
    private final long measureFrom;

    public ChatCounters(ChatPlan plan, MessageIds ids) {
        this(plan, ids, 0);
    }

    public ChatCounters(ChatPlan plan, MessageIds ids, long measureFrom) {
        this.plan = Objects.requireNonNull(plan, "plan");
        this.ids = Objects.requireNonNull(ids, "ids");
        this.ledger = new MessageLedger(plan.totalMessages());
        this.subscribers = plan.subscribersPerRoom();
        for (int r = 0; r < plan.rooms(); r++) {
            roomIndex.put(plan.roomName(r), r);
        }
        this.ackedPerRoom = adders(plan.rooms());
        this.deliveredPerRoom = adders(plan.rooms());
        this.duplicatesPerRoom = adders(plan.rooms());
        this.outOfOrderPerRoom = adders(plan.rooms());
        this.measureFrom = measureFrom;
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    /** Whether message i counts for the latency histograms (it was sent after the warm-up). */
    boolean measured(long i) {
        return i >= measureFrom;
    }

    /** The room's index in the plan, or -1 for a room this run does not use. */
    public int roomIndex(String room) {
        Integer r = room == null ? null : roomIndex.get(room);
        return r == null ? -1 : r;
    }

    void onSent(int index, long nanos) {
        ledger.sent(index, nanos);
        sent.increment();
    }

    /** A send that never reached the server because its connection was gone. */
    void onUnsendable(int index, long nanos) {
        ledger.sent(index, nanos);
        sent.increment();
        if (ledger.failed(index)) {
            failed.increment();
            errors.add("connection_closed");
        }
    }

    void onAck(InboundFrame frame, long now) {
        long i = ids.parseClientMsgId(frame.clientMsgId());
        if (i < 0) {
            i = ids.parseRef(frame.ref());
        }
        if (!ledger.contains(i) || !ledger.acked((int) i)) {
            strayAcks.increment();
            return;
        }
        int room = plan.roomOfMessage(i);
        acked.increment();
        ackedPerRoom[room].increment();
        expected.add(subscribers[room]);
        if (i >= measureFrom) {
            ackLatency.recordNanos(now - ledger.sentNanos((int) i));
        }
    }

    void onError(InboundFrame frame) {
        String code = frame.code() == null ? "unknown" : frame.code();
        long i = ids.parseRef(frame.ref());
        if (ledger.contains(i) && ledger.failed((int) i)) {
            failed.increment();
            errors.add(code);
        } else if (frame.ref() != null && frame.ref().startsWith("j")) {
            joinErrors.increment();
            errors.add("join:" + code);
        } else {
            errors.add("other:" + code);
        }
    }

    void onDelivery(Map<String, SeqTracker> trackers, InboundFrame frame, long now, ChatReceiver receiver) {
        long i = ids.parseClientMsgId(frame.clientMsgId());
        SeqTracker tracker = trackers.get(frame.room());
        if (!ledger.contains(i) || tracker == null) {
            foreign.increment();
            return;
        }
        int room = roomIndex(frame.room());
        switch (tracker.observe(frame.seq())) {
            case DUPLICATE -> {
                duplicates.increment();
                duplicatesPerRoom[room].increment();
                return;
            }
            case OUT_OF_ORDER -> {
                outOfOrder.increment();
                outOfOrderPerRoom[room].increment();
            }
            case IN_ORDER -> {}
        }
        if (ledger.delivered((int) i, frame.seq()) != frame.seq()) {
            seqMismatches.increment();
        }
        delivered.increment();
        deliveredPerRoom[room].increment();
        receiver.countDelivery();
        if (i >= measureFrom) {
            deliveryLatency.recordNanos(now - ledger.sentNanos((int) i));
        }
    }

    void onSubscribed() {
        subscriptions.increment();
    }

    void onClosed(int code) {
        if (running) {
            disconnects.add(String.valueOf(code));
        }
    }
}
