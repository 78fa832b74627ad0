package io.parley.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.support.Admins;
import io.parley.server.support.Rest;
import io.parley.server.support.Stack;
import io.parley.server.support.StackMode;
import io.parley.testkit.WsClient;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The room log's edits and deletions (PROTOCOL.md 1.1) through a real replica and a real worker, on each set of
 * parts: queued and stored like sends, checked before queueing and again by the worker, read back in their current
 * state.
 */
@ParameterizedClass
@EnumSource(StackMode.class)
class RoomLogIT {
    private static StackMode.Started started;
    private static int port;
    private static Rest rest;

    @Parameter
    StackMode mode;

    @BeforeParameterizedClassInvocation
    static void start(StackMode mode) throws Exception {
        started = mode.start("log-1", true);
        port = started.port();
        rest = new Rest(port);
    }

    @AfterParameterizedClassInvocation
    static void stop() throws Exception {
        started.parts().close();
    }

    private static String room(String prefix) {
        return prefix + "-" + Long.toString(System.nanoTime(), 36);
    }

    @Test
    void editAndDeleteReachEveryMemberAndHistoryShowsTheCurrentState() throws Exception {
        Rest.Account alice = rest.newAccount("alice");
        Rest.Account bob = rest.newAccount("bob");
        String room = room("log");
        try (WsClient a = WsClient.connect(port, alice.token());
                WsClient b = WsClient.connect(port, bob.token())) {
            join(a, room);
            join(b, room);
            String id = post(a, room, "hello <b>there</b>");
            b.await(message(id));

            String ref = a.send("type", "edit", "room", room, "id", id, "body", "hello, world");
            JsonNode first = a.await(f -> f.path("type").asText().matches("ack|message|error"));
            assertThat(first.path("type").asText()).as("%s", first).isEqualTo("ack");
            assertThat(first.path("ref").asText()).isEqualTo(ref);
            String editId = first.path("id").asText();
            assertThat(editId).isNotEqualTo(id);
            for (WsClient c : List.of(a, b)) {
                JsonNode edit = c.await(message(editId));
                assertThat(edit.path("kind").asText()).isEqualTo("edit");
                assertThat(edit.path("target").asText()).isEqualTo(id);
                assertThat(edit.path("body").asText()).isEqualTo("hello, world");
                assertThat(edit.path("sender").asText()).isEqualTo(alice.username());
                assertThat(edit.path("seq").asLong()).isEqualTo(2);
            }
            Map<String, JsonNode> page = byId(history(b, room, null));
            assertThat(page.get(id).path("body").asText()).isEqualTo("hello, world");
            // editedAt is the winning edit's createdAt, so a client can tell which state is newer.
            assertThat(page.get(id).path("editedAt").asText())
                    .isEqualTo(page.get(editId).path("createdAt").asText());
            assertThat(page.get(id).has("kind"))
                    .as("a plain message leaves kind out")
                    .isFalse();
            assertThat(page.get(id).has("deleted")).isFalse();
            assertThat(page.get(editId).path("kind").asText()).isEqualTo("edit");

            String deleteId = ack(a, a.send("type", "delete", "room", room, "id", id));
            for (WsClient c : List.of(a, b)) {
                JsonNode delete = c.await(message(deleteId));
                assertThat(delete.path("kind").asText()).isEqualTo("delete");
                assertThat(delete.path("target").asText()).isEqualTo(id);
                assertThat(delete.path("body").asText()).isEmpty();
                assertThat(delete.path("seq").asLong()).isEqualTo(3);
            }
            page = byId(history(b, room, null));
            assertThat(page.get(id).path("body").asText()).isEmpty();
            assertThat(page.get(id).path("deleted").asBoolean()).isTrue();
            assertThat(page.get(editId).path("body").asText()).isEmpty();
            assertThat(page.get(deleteId).path("kind").asText()).isEqualTo("delete");
            // The same over REST.
            JsonNode restPage =
                    rest.get("/api/rooms/" + room + "/messages", bob.token()).body();
            assertThat(byId(restPage.path("messages")).get(id).path("deleted").asBoolean())
                    .isTrue();
        }
        assertThat(storedBodiesContaining("hello"))
                .as("the text is gone from the table")
                .isZero();
    }

    @Test
    void retriedEditsAndDeletesAreStoredOnceAndAcknowledgedAgain() throws Exception {
        Rest.Account alice = rest.newAccount("retry");
        String room = room("retry");
        try (WsClient a = WsClient.connect(port, alice.token())) {
            join(a, room);
            String id = post(a, room, "typo");
            String first =
                    ack(a, a.send("type", "edit", "room", room, "id", id, "body", "fixed", "clientMsgId", "e-1"));
            String quick =
                    ack(a, a.send("type", "edit", "room", room, "id", id, "body", "fixed", "clientMsgId", "e-1"));
            assertThat(quick).isEqualTo(first);
            a.await(message(first));
            String late = ack(a, a.send("type", "edit", "room", room, "id", id, "body", "fixed", "clientMsgId", "e-1"));
            assertThat(late).isEqualTo(first);

            String delete = ack(a, a.send("type", "delete", "room", room, "id", id, "clientMsgId", "d-1"));
            a.await(message(delete));
            // The target is deleted now, by this very delete: its retry is acknowledged, not refused.
            assertThat(ack(a, a.send("type", "delete", "room", room, "id", id, "clientMsgId", "d-1")))
                    .isEqualTo(delete);

            JsonNode page = history(a, room, null);
            assertThat(page).hasSize(3);
            assertThat(page).extracting(m -> m.path("seq").asLong()).containsExactly(1L, 2L, 3L);
            assertThat(a.drain("message")).as("nothing stored twice").isEmpty();
        }
    }

    @Test
    void concurrentEditsFromTwoConnectionsAreBothStoredAndTheLaterWinsEverywhere() throws Exception {
        Rest.Account alice = rest.newAccount("twice");
        Rest.Account bob = rest.newAccount("watch");
        String room = room("race");
        try (WsClient a1 = WsClient.connect(port, alice.token());
                WsClient a2 = WsClient.connect(port, alice.token());
                WsClient b = WsClient.connect(port, bob.token())) {
            join(a1, room);
            a2.awaitType("ready");
            a2.await(f -> f.path("type").asText().equals("joined"));
            join(b, room);
            for (int round = 0; round < 3; round++) {
                String id = post(a1, room, "original " + round);
                a2.await(message(id));
                b.await(message(id));
                String r1 = a1.send("type", "edit", "room", room, "id", id, "body", "from one " + round);
                String r2 = a2.send("type", "edit", "room", room, "id", id, "body", "from two " + round);
                String e1 = ack(a1, r1);
                String e2 = ack(a2, r2);
                List<JsonNode> seen = new ArrayList<>();
                for (WsClient c : List.of(a1, a2, b)) {
                    JsonNode m1 = c.await(message(e1));
                    JsonNode m2 = c.await(message(e2));
                    seen.add(m1);
                    seen.add(m2);
                }
                JsonNode later = seen.stream()
                        .max(Comparator.comparingLong(m -> m.path("seq").asLong()))
                        .orElseThrow();
                // Every connection saw the same two entries, with two distinct seqs, both after the message.
                assertThat(seen.stream().map(m -> m.path("seq").asLong()).distinct())
                        .hasSize(2)
                        .allMatch(seq -> seq > 0);
                JsonNode earlier = seen.stream()
                        .min(Comparator.comparingLong(m -> m.path("seq").asLong()))
                        .orElseThrow();
                assertThat(later.path("createdAt").asText())
                        .isGreaterThan(earlier.path("createdAt").asText());
                JsonNode target = byId(history(b, room, null)).get(id);
                assertThat(target.path("body").asText())
                        .isEqualTo(later.path("body").asText());
                assertThat(target.path("editedAt").asText())
                        .isEqualTo(later.path("createdAt").asText());
                assertThat(byId(history(a2, room, null)).get(id).path("body").asText())
                        .isEqualTo(later.path("body").asText());
            }
        }
    }

    @Test
    void refusesWithThePreciseCode() throws Exception {
        Rest.Account alice = rest.newAccount("owner");
        Rest.Account bob = rest.newAccount("member");
        Rest.Account carol = rest.newAccount("outsider");
        String room = room("rules");
        String other = room("other");
        try (WsClient a = WsClient.connect(port, alice.token());
                WsClient b = WsClient.connect(port, bob.token());
                WsClient c = WsClient.connect(port, carol.token())) {
            join(a, room);
            join(b, room);
            join(c, other);
            String mine = post(a, room, "alice's");
            String bobs = post(b, room, "bob's");
            a.await(message(bobs));
            String elsewhere = post(c, other, "carol's");
            String editEntry = ack(a, a.send("type", "edit", "room", room, "id", mine, "body", "alice's, edited"));
            a.await(message(editEntry));

            // Someone else's message: nobody edits it; a plain member does not delete it.
            b.expectError(b.send("type", "edit", "room", room, "id", mine, "body", "mine now"), "forbidden");
            b.expectError(b.send("type", "delete", "room", room, "id", mine), "forbidden");
            a.expectError(a.send("type", "edit", "room", room, "id", bobs, "body", "owner edit"), "forbidden");
            // Not a message of that room: unknown, malformed, another room's, an edit entry.
            for (String id : List.of("123456789", "abc", "-1", "0" + mine, elsewhere, editEntry)) {
                a.expectError(a.send("type", "edit", "room", room, "id", id, "body", "x"), "no_such_message");
                a.expectError(a.send("type", "delete", "room", room, "id", id), "no_such_message");
            }
            // Not a member, no such room.
            c.expectError(c.send("type", "delete", "room", room, "id", mine), "not_member");
            c.expectError(c.send("type", "edit", "room", "nope-" + room, "id", mine, "body", "x"), "no_such_room");
            // Body rules as for send, and malformed frames.
            a.expectError(a.send("type", "edit", "room", room, "id", mine, "body", " \t"), "empty_body");
            a.expectError(a.send("type", "edit", "room", room, "id", mine, "body", "x".repeat(4001)), "body_too_long");
            a.expectError(a.send("type", "edit", "room", room, "id", mine), "bad_request");
            a.expectError(a.send("type", "edit", "room", room, "body", "x"), "bad_request");
            a.expectError(a.send("type", "delete", "room", room, "id", 42), "bad_request");
            a.expectError(a.send("type", "delete", "room", "Bad Room", "id", mine), "invalid_room_name");

            // The room's owner deletes bob's message; then it is gone for everyone, twice is no_such_message.
            String delete = ack(a, a.send("type", "delete", "room", room, "id", bobs));
            a.await(message(delete));
            b.await(message(delete));
            b.expectError(b.send("type", "delete", "room", room, "id", bobs), "no_such_message");
            b.expectError(b.send("type", "edit", "room", room, "id", bobs, "body", "again"), "no_such_message");
            assertThat(a.drain("message")).as("no refused change was stored").isEmpty();
        }
    }

    @Test
    void restDeleteForMembersWithTheRightAndForAnyAdmin() throws Exception {
        Rest.Account alice = rest.newAccount("rowner");
        Rest.Account bob = rest.newAccount("rmember");
        Rest.Account carol = rest.newAccount("rcarol");
        Rest.Account dave = rest.newAccount("rdave");
        String room = room("rest");
        try (WsClient a = WsClient.connect(port, alice.token());
                WsClient b = WsClient.connect(port, bob.token());
                WsClient c = WsClient.connect(port, carol.token())) {
            join(a, room);
            join(b, room);
            join(c, room);
            String bobs = post(b, room, "bob says");
            a.await(message(bobs));
            String path = "/api/rooms/" + room + "/messages/" + bobs;

            assertThat(rest.delete(path, carol.token()).errorCode()).isEqualTo("forbidden");
            assertThat(rest.delete(path, dave.token()).errorCode()).isEqualTo("not_member");
            assertThat(rest.delete(path, null).status()).isEqualTo(401);
            assertThat(rest.delete("/api/rooms/nope-" + room + "/messages/" + bobs, alice.token())
                            .errorCode())
                    .isEqualTo("no_such_room");
            assertThat(rest.delete("/api/rooms/" + room + "/messages/x1", alice.token())
                            .errorCode())
                    .isEqualTo("no_such_message");
            assertThat(rest.get(path, alice.token()).status()).isEqualTo(405);

            Rest.Reply deleted = rest.delete(path, alice.token());
            assertThat(deleted.status()).as("%s", deleted.body()).isEqualTo(204);
            JsonNode entry = b.await(f -> f.path("type").asText().equals("message")
                    && f.path("kind").asText().equals("delete"));
            assertThat(entry.path("target").asText()).isEqualTo(bobs);
            assertThat(entry.path("sender").asText()).isEqualTo(alice.username());
            assertThat(rest.delete(path, alice.token()).status()).isEqualTo(404);

            // An admin who is not a member: over REST only.
            String second = post(b, room, "bob again");
            Admins.setAdmin(started, dave.username(), true);
            assertThat(rest.delete("/api/rooms/" + room + "/messages/" + second, dave.token())
                            .status())
                    .isEqualTo(204);
            c.await(f -> f.path("kind").asText().equals("delete")
                    && f.path("target").asText().equals(second));
            assertThat(byId(history(c, room, null)).get(second).path("deleted").asBoolean())
                    .isTrue();
            // Over the frame an admin must be a member, like everyone.
            try (WsClient d = WsClient.connect(port, dave.token())) {
                d.awaitType("ready");
                d.expectError(d.send("type", "delete", "room", room, "id", post(b, room, "third")), "not_member");
            }
        }
    }

    @Test
    void anAwayClientIsBroughtUpToDateByHistoryAfter() throws Exception {
        Rest.Account alice = rest.newAccount("here");
        Rest.Account bob = rest.newAccount("away");
        String room = room("away");
        String kept;
        String gone;
        long seen;
        try (WsClient a = WsClient.connect(port, alice.token())) {
            join(a, room);
            try (WsClient b = WsClient.connect(port, bob.token())) {
                join(b, room);
                kept = post(a, room, "keep me");
                gone = post(a, room, "remove me");
                b.await(message(gone));
                seen = 2;
            }
            a.await(message(ack(a, a.send("type", "edit", "room", room, "id", kept, "body", "kept, edited"))));
            a.await(message(ack(a, a.send("type", "delete", "room", room, "id", gone))));
        }
        try (WsClient b = WsClient.connect(port, bob.token())) {
            JsonNode ready = b.awaitType("ready");
            assertThat(ready.path("rooms").findValues("lastSeq").stream().map(JsonNode::asLong))
                    .containsExactly(4L);
            JsonNode missed = history(b, room, seen);
            assertThat(missed).extracting(m -> m.path("kind").asText()).containsExactly("edit", "delete");
            // What bob holds, with the missed entries applied in seq order, is what history now says.
            Map<String, String> bodies = new HashMap<>(Map.of(kept, "keep me", gone, "remove me"));
            for (JsonNode m : missed) {
                bodies.put(m.path("target").asText(), m.path("body").asText());
            }
            Map<String, JsonNode> now = byId(history(b, room, null));
            assertThat(bodies.get(kept)).isEqualTo(now.get(kept).path("body").asText());
            assertThat(bodies.get(gone)).isEqualTo(now.get(gone).path("body").asText());
            assertThat(now.get(gone).path("deleted").asBoolean()).isTrue();
        }
    }

    @Test
    void anEditRacingADeleteNeverBringsTheTextBack() throws Exception {
        Rest.Account alice = rest.newAccount("racer");
        String room = room("undead");
        try (WsClient a = WsClient.connect(port, alice.token())) {
            join(a, room);
            for (int round = 0; round < 5; round++) {
                String id = post(a, room, "short-lived " + round);
                String deleteRef = a.send("type", "delete", "room", room, "id", id);
                String editRef = a.send("type", "edit", "room", room, "id", id, "body", "undead " + round);
                JsonNode delete = a.await(message(ack(a, deleteRef)));
                JsonNode editReply = a.reply(editRef);
                if (editReply.path("type").asText().equals("ack")) {
                    // Both passed the server's check: stored in queue order, and an edit after the delete is
                    // stored emptied (one before it was emptied by the delete).
                    JsonNode edit = a.await(message(editReply.path("id").asText()));
                    if (edit.path("seq").asLong() > delete.path("seq").asLong()) {
                        assertThat(edit.path("body").asText()).isEmpty();
                    }
                } else {
                    assertThat(editReply.path("code").asText()).isEqualTo("no_such_message");
                }
                JsonNode target = byId(history(a, room, null)).get(id);
                assertThat(target.path("deleted").asBoolean()).isTrue();
                assertThat(target.path("body").asText()).isEmpty();
            }
        }
        assertThat(storedBodiesContaining("undead")).isZero();
        assertThat(storedBodiesContaining("short-lived")).isZero();
    }

    @Test
    void editsReachConnectionsOnAnotherReplica() throws Exception {
        assumeTrue(mode == StackMode.REDIS_MYSQL, "one process in standalone mode");
        int other = ((Stack) started.parts()).startServer("log-2").port();
        Rest.Account alice = rest.newAccount("rep-a");
        Rest.Account bob = rest.newAccount("rep-b");
        String room = room("replicas");
        try (WsClient a = WsClient.connect(port, alice.token());
                WsClient b = WsClient.connect(other, bob.token())) {
            join(a, room);
            join(b, room);
            String id = post(a, room, "across");
            b.await(message(id));
            String edit = ack(a, a.send("type", "edit", "room", room, "id", id, "body", "across, edited"));
            assertThat(b.await(message(edit), Duration.ofSeconds(5))
                            .path("body")
                            .asText())
                    .isEqualTo("across, edited");
            String delete = ack(b, b.send("type", "delete", "room", room, "id", bobsOwn(b, room)));
            assertThat(a.await(message(delete), Duration.ofSeconds(5))
                            .path("kind")
                            .asText())
                    .isEqualTo("delete");
        }
    }

    // ---------------------------------------------------------------- helpers

    @Test
    void oneConnectionsEditsDeletesAndSendsAreStoredInTheOrderItSentThem() throws Exception {
        Rest.Account alice = rest.newAccount("alice");
        String room = room("order");
        try (WsClient a = WsClient.connect(port, alice.token())) {
            join(a, room);
            String first = post(a, room, "first");
            String second = post(a, room, "second");
            // An edit or delete is checked in the database before it is queued; the sends written right behind it on
            // the same connection must still be stored after it (PROTOCOL.md, guarantee 3).
            List<String> refs = new ArrayList<>();
            for (int round = 0; round < 5; round++) {
                refs.add(a.send("type", "edit", "room", room, "id", first, "body", "edit " + round));
                refs.add(a.send("type", "send", "room", room, "body", "after edit " + round));
            }
            refs.add(a.send("type", "delete", "room", room, "id", second));
            refs.add(a.send("type", "send", "room", room, "body", "after delete"));
            List<String> ids = new ArrayList<>();
            for (String ref : refs) {
                ids.add(ack(a, ref));
            }
            a.await(message(ids.getLast()));
            List<String> stored = new ArrayList<>();
            history(a, room, 2L).forEach(m -> stored.add(m.path("id").asText()));
            assertThat(stored).as("entries after the first two, by seq").containsExactlyElementsOf(ids);
        }
    }

    private static String bobsOwn(WsClient b, String room) {
        return post(b, room, "bob's own");
    }

    private static void join(WsClient c, String room) {
        if (c.frames().stream().noneMatch(f -> f.path("type").asText().equals("ready"))) {
            c.awaitType("ready");
        }
        JsonNode joined = c.reply(c.send("type", "join", "room", room));
        assertThat(joined.path("type").asText()).as("%s", joined).isEqualTo("joined");
    }

    /** Sends {@code body} and waits until it is stored (its message frame came back); answers its id. */
    private static String post(WsClient c, String room, String body) {
        String id = ack(c, c.send("type", "send", "room", room, "body", body));
        c.await(message(id));
        return id;
    }

    /** The id of the ack answering {@code ref}; fails on an error. */
    private static String ack(WsClient c, String ref) {
        JsonNode reply = c.reply(ref);
        assertThat(reply.path("type").asText()).as("reply %s", reply).isEqualTo("ack");
        return reply.path("id").asText();
    }

    private static java.util.function.Predicate<JsonNode> message(String id) {
        return f -> f.path("type").asText().equals("message")
                && f.path("id").asText().equals(id);
    }

    private static JsonNode history(WsClient c, String room, Long after) {
        String ref = after == null
                ? c.send("type", "history", "room", room, "limit", 100)
                : c.send("type", "history", "room", room, "after", after, "limit", 100);
        JsonNode reply = c.reply(ref);
        assertThat(reply.path("type").asText()).as("%s", reply).isEqualTo("history");
        return reply.path("messages");
    }

    private static Map<String, JsonNode> byId(JsonNode messages) {
        Map<String, JsonNode> byId = new HashMap<>();
        messages.forEach(m -> byId.put(m.path("id").asText(), m));
        return byId;
    }

    private static long storedBodiesContaining(String text) throws Exception {
        try (Connection c = started.database().connect();
                PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM messages WHERE body LIKE ?")) {
            ps.setString(1, "%" + text + "%");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
