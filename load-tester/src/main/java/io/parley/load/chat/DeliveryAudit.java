package io.parley.load.chat;

import io.parley.load.stats.MessageLedger;
import java.util.HashMap;
import java.util.Map;

/**
 * The after-the-run pass over the ledger: for every acknowledged message, how many of the connections subscribed
 * to its room never got it (lost) or got it more often than once each (over-delivered); sends never answered; and
 * whether each sender's messages to a room were stored in the order it sent them.
 */
public record DeliveryAudit(
        long lost,
        long overDelivered,
        long unanswered,
        long deliveredUnacked,
        long deliveredAfterError,
        long senderOrderViolations,
        long[] lostPerRoom) {

    public static DeliveryAudit of(ChatCounters c) {
        ChatPlan plan = c.plan;
        MessageLedger ledger = c.ledger;
        long lost = 0;
        long over = 0;
        long unanswered = 0;
        long deliveredUnacked = 0;
        long deliveredAfterError = 0;
        long orderViolations = 0;
        long[] lostPerRoom = new long[plan.rooms()];
        Map<Long, Long> lastSeqBySenderRoom = new HashMap<>();
        for (int i = 0; i < ledger.size(); i++) {
            int room = plan.roomOfMessage(i);
            int deliveries = ledger.deliveries(i);
            switch (ledger.state(i)) {
                case MessageLedger.ACKED -> {
                    int expected = c.subscribers[room];
                    if (deliveries < expected) {
                        lost += expected - deliveries;
                        lostPerRoom[room] += expected - deliveries;
                    } else {
                        over += deliveries - expected;
                    }
                }
                case MessageLedger.SENT -> {
                    unanswered++;
                    deliveredUnacked += deliveries;
                }
                case MessageLedger.FAILED -> deliveredAfterError += deliveries;
                default -> {}
            }
            long seq = ledger.seq(i);
            if (seq > 0) {
                long key = (long) plan.senderOf(i) * plan.rooms() + room;
                Long previous = lastSeqBySenderRoom.put(key, seq);
                if (previous != null && previous >= seq) {
                    orderViolations++;
                    lastSeqBySenderRoom.put(key, previous);
                }
            }
        }
        return new DeliveryAudit(
                lost, over, unanswered, deliveredUnacked, deliveredAfterError, orderViolations, lostPerRoom);
    }
}
