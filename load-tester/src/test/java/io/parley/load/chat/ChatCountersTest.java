package io.parley.load.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.load.net.InboundFrame;
import io.parley.protocol.Room;
import io.parley.protocol.ServerFrame;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Feeds frames to receivers as the server would (or would not) and checks what the audit makes of them. */
class ChatCountersTest {
    // 3 users, 1 room, one connection each: every acked message is expected 3 times.
    private final ChatPlan plan = new ChatPlan(3, 1, 1, 1, 3, 10, 1, 100, "t");
    private final MessageIds ids = new MessageIds("run1");
    private final ChatCounters counters = new ChatCounters(plan, ids);
    private final ChatReceiver[] receivers = {receiver(), receiver(), receiver()};

    private ChatReceiver receiver() {
        return joinedReceiver(counters, 100);
    }

    /** A receiver of room t-0 that has seen its {@code joined} frame, the room's last seq being {@code lastSeq}. */
    private static ChatReceiver joinedReceiver(ChatCounters counters, long lastSeq) {
        ChatReceiver r = new ChatReceiver(counters, Set.of("t-0"));
        Room room = new Room("t-0", "u", "2026-01-01T00:00:00.000Z", lastSeq);
        r.onFrame(null, new InboundFrame("joined", "j0", "t-0", -1, null, null, new ServerFrame.Joined("j0", room)), 0);
        return r;
    }

    private void send(int i) {
        counters.onSent(i, 1_000L * i);
    }

    private void ack(int i) {
        receivers[0].onFrame(
                null, new InboundFrame("ack", ids.ref(i), "t-0", -1, ids.clientMsgId(i), null, null), 5_000_000);
    }

    private void deliver(int receiver, int i, long seq) {
        receivers[receiver].onFrame(
                null, new InboundFrame("message", null, "t-0", seq, ids.clientMsgId(i), null, null), 9_000_000);
    }

    @Test
    void subscribesFromJoinedFrames() {
        assertThat(counters.subscriptions.sum()).isEqualTo(3);
    }

    @Test
    void aCleanRunAddsUp() {
        for (int i = 0; i < 10; i++) {
            send(i);
            ack(i);
            for (int r = 0; r < 3; r++) {
                deliver(r, i, 101 + i);
            }
        }
        DeliveryAudit audit = DeliveryAudit.of(counters);
        assertThat(counters.acked.sum()).isEqualTo(10);
        assertThat(counters.expected.sum()).isEqualTo(30);
        assertThat(counters.delivered.sum()).isEqualTo(30);
        assertThat(audit.lost()).isZero();
        assertThat(audit.overDelivered()).isZero();
        assertThat(counters.duplicates.sum()).isZero();
        assertThat(counters.outOfOrder.sum()).isZero();
        assertThat(audit.senderOrderViolations()).isZero();
        assertThat(audit.unanswered()).isZero();
        assertThat(counters.ackLatency.roll().getTotalCount()).isEqualTo(10);
        assertThat(counters.deliveryLatency.roll().getTotalCount()).isEqualTo(30);
    }

    @Test
    void countsAnAckedMessageThatSomeReceiverNeverGotAsLost() {
        send(0);
        ack(0);
        deliver(0, 0, 101);
        deliver(1, 0, 101);
        DeliveryAudit audit = DeliveryAudit.of(counters);
        assertThat(audit.lost()).isEqualTo(1);
        assertThat(audit.lostPerRoom()).containsExactly(1);
    }

    @Test
    void countsTheSameMessageTwiceOnOneConnectionAsDuplicate() {
        send(0);
        ack(0);
        for (int r = 0; r < 3; r++) {
            deliver(r, 0, 101);
        }
        deliver(2, 0, 101);
        assertThat(counters.duplicates.sum()).isEqualTo(1);
        assertThat(counters.delivered.sum()).isEqualTo(3);
        assertThat(DeliveryAudit.of(counters).lost()).isZero();
    }

    @Test
    void countsAMessageStoredTwiceAsOverDelivered() {
        send(0);
        ack(0);
        for (int r = 0; r < 3; r++) {
            deliver(r, 0, 101);
            deliver(r, 0, 102); // same message under a second seq: stored twice
        }
        DeliveryAudit audit = DeliveryAudit.of(counters);
        assertThat(audit.overDelivered()).isEqualTo(3);
        assertThat(counters.seqMismatches.sum()).isEqualTo(3);
    }

    @Test
    void countsALateSeqAsOutOfOrderAndTheReversedStoreOrderAsASenderViolation() {
        send(0);
        send(3);
        ack(0);
        ack(3);
        // Sender 0 sent message 0 then 3 (both its own); the server stored them the other way round.
        deliver(0, 3, 101);
        deliver(0, 0, 102);
        deliver(1, 0, 102);
        deliver(1, 3, 101);
        assertThat(counters.outOfOrder.sum()).isEqualTo(1);
        assertThat(DeliveryAudit.of(counters).senderOrderViolations()).isEqualTo(1);
    }

    @Test
    void aRefusedSendIsNotExpectedAnywhere() {
        send(0);
        receivers[0].onFrame(null, new InboundFrame("error", ids.ref(0), null, -1, null, "rate_limited", null), 1);
        DeliveryAudit audit = DeliveryAudit.of(counters);
        assertThat(counters.failed.sum()).isEqualTo(1);
        assertThat(counters.errors.get("rate_limited")).isEqualTo(1);
        assertThat(counters.expected.sum()).isZero();
        assertThat(audit.lost()).isZero();
        assertThat(audit.unanswered()).isZero();
    }

    @Test
    void aSendWithoutAnswerIsUnansweredNotLost() {
        send(0);
        DeliveryAudit audit = DeliveryAudit.of(counters);
        assertThat(audit.unanswered()).isEqualTo(1);
        assertThat(audit.lost()).isZero();
    }

    @Test
    void ignoresMessagesOfOtherRunsAndRooms() {
        receivers[0].onFrame(null, new InboundFrame("message", null, "t-0", 5, "other.1", null, null), 1);
        receivers[0].onFrame(
                null, new InboundFrame("message", null, "elsewhere", 5, ids.clientMsgId(1), null, null), 1);
        assertThat(counters.delivered.sum()).isZero();
        assertThat(counters.foreign.sum()).isEqualTo(2);
    }

    @Test
    void leavesWarmUpMessagesOutOfTheHistogramsButCountsThem() {
        ChatCounters warm = new ChatCounters(plan, ids, 1);
        ChatReceiver r = joinedReceiver(warm, 0);
        for (int i = 0; i < 2; i++) {
            warm.onSent(i, 0);
            r.onFrame(null, new InboundFrame("ack", ids.ref(i), "t-0", -1, ids.clientMsgId(i), null, null), 1_000);
            r.onFrame(null, new InboundFrame("message", null, "t-0", i + 1, ids.clientMsgId(i), null, null), 2_000);
        }
        assertThat(warm.acked.sum()).isEqualTo(2);
        assertThat(warm.delivered.sum()).isEqualTo(2);
        assertThat(warm.ackLatency.roll().getTotalCount()).isEqualTo(1);
        assertThat(warm.deliveryLatency.roll().getTotalCount()).isEqualTo(1);
        assertThat(warm.measured(0)).isFalse();
        assertThat(warm.measured(1)).isTrue();
    }
}
