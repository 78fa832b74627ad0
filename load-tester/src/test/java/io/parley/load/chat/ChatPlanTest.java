package io.parley.load.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChatPlanTest {
    @Test
    void spreadsMembersEvenlyOverRooms() {
        ChatPlan plan = new ChatPlan(200, 1, 4, 1, 200, 100, 1, 100, "r");
        assertThat(plan.membersPerRoom()).containsExactly(50, 50, 50, 50);
    }

    @Test
    void givesEachUserDistinctRooms() {
        ChatPlan plan = new ChatPlan(10, 1, 7, 3, 10, 100, 1, 100, "r");
        for (int u = 0; u < 10; u++) {
            Set<Integer> rooms = new HashSet<>();
            for (int k = 0; k < 3; k++) {
                rooms.add(plan.roomOf(u, k));
            }
            assertThat(rooms).hasSize(3);
        }
        assertThat(java.util.Arrays.stream(plan.membersPerRoom()).sum()).isEqualTo(30);
    }

    @Test
    void countsEveryConnectionOfAMemberAsASubscriber() {
        ChatPlan plan = new ChatPlan(10, 3, 2, 1, 30, 100, 1, 100, "r");
        assertThat(plan.connections()).isEqualTo(30);
        assertThat(plan.subscribersPerRoom()).containsExactly(15, 15);
        assertThat(plan.userOf(29)).isEqualTo(9);
    }

    @Test
    void sendersTakeTurnsSoEachSendsAtAnEqualShareOfTheRate() {
        ChatPlan plan = new ChatPlan(100, 2, 10, 2, 50, 1000, 2, 100, "r");
        Map<Integer, Integer> perSender = new HashMap<>();
        for (long i = 0; i < plan.totalMessages(); i++) {
            perSender.merge(plan.senderOf(i), 1, Integer::sum);
        }
        assertThat(perSender).hasSize(50);
        assertThat(perSender.values()).containsOnly(40);
        assertThat(plan.ratePerSender()).isEqualTo(20.0);
    }

    @Test
    void everyMessageGoesToARoomOfItsSender() {
        ChatPlan plan = new ChatPlan(30, 1, 9, 3, 30, 100, 1, 100, "r");
        Map<Integer, Set<Integer>> roomsUsed = new HashMap<>();
        for (long i = 0; i < 900; i++) {
            int sender = plan.senderOf(i);
            int room = plan.roomOfMessage(i);
            Set<Integer> own = new HashSet<>();
            for (int k = 0; k < 3; k++) {
                own.add(plan.roomOf(plan.userOf(sender), k));
            }
            assertThat(own).contains(room);
            roomsUsed.computeIfAbsent(sender, s -> new HashSet<>()).add(room);
        }
        assertThat(roomsUsed.values()).allSatisfy(r -> assertThat(r).hasSize(3));
    }

    @Test
    void aSingleSenderIsTheFirstConnection() {
        ChatPlan plan = new ChatPlan(1000, 1, 1, 1, 1, 10, 1, 100, "fanout");
        assertThat(plan.senderOf(0)).isZero();
        assertThat(plan.senderOf(7)).isZero();
        assertThat(plan.roomName(plan.roomOfMessage(3))).isEqualTo("fanout-0");
    }

    @Test
    void rejectsRoomsWithoutMembersAndBadNames() {
        assertThatThrownBy(() -> new ChatPlan(2, 1, 5, 1, 2, 1, 1, 100, "r")).hasMessageContaining("rooms: 5");
        assertThatThrownBy(() -> new ChatPlan(2, 1, 1, 1, 2, 1, 1, 100, "Bad Name"))
                .hasMessageContaining("room-prefix");
        assertThatThrownBy(() -> new ChatPlan(2, 1, 1, 1, 3, 1, 1, 100, "r")).hasMessageContaining("senders: 3");
    }
}
