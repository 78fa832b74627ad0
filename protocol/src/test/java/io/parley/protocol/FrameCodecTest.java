package io.parley.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FrameCodecTest {
    private final FrameCodec codec = new FrameCodec(Json.newMapper());

    private ClientFrame decode(String json) throws FrameException {
        return codec.decodeClient(json.getBytes(UTF_8));
    }

    private FrameException rejected(String json) {
        try {
            decode(json);
        } catch (FrameException e) {
            return e;
        }
        throw new AssertionError("accepted: " + json);
    }

    @Test
    void decodesEveryClientFrameType() throws Exception {
        assertThat(decode("{\"type\":\"join\",\"ref\":\"1\",\"room\":\"general\"}"))
                .isEqualTo(new ClientFrame.Join("1", "general"));
        assertThat(decode("{\"type\":\"leave\",\"room\":\"a-b_1\"}")).isEqualTo(new ClientFrame.Leave(null, "a-b_1"));
        assertThat(decode("{\"type\":\"send\",\"ref\":\"2\",\"room\":\"r\",\"body\":\"hi\",\"clientMsgId\":\"c-1\"}"))
                .isEqualTo(new ClientFrame.Send("2", "r", "hi", "c-1"));
        assertThat(decode("{\"type\":\"history\",\"room\":\"r\",\"before\":10,\"limit\":5}"))
                .isEqualTo(new ClientFrame.History(null, "r", new HistoryQuery(10L, null, 5)));
        assertThat(decode("{\"type\":\"history\",\"room\":\"r\"}"))
                .isEqualTo(new ClientFrame.History(null, "r", new HistoryQuery(null, null, 50)));
        assertThat(decode("{\"type\":\"typing\",\"room\":\"r\"}")).isEqualTo(new ClientFrame.Typing(null, "r"));
        assertThat(decode("{\"type\":\"presence\",\"ref\":\"p\",\"room\":\"r\"}"))
                .isEqualTo(new ClientFrame.Presence("p", "r"));
        assertThat(decode("{\"type\":\"ping\",\"ref\":\"x\"}")).isEqualTo(new ClientFrame.Ping("x"));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "not json                                              | bad_request  |",
                "[1,2]                                                 | bad_request  |",
                "{\"ref\":\"1\"}                                       | bad_request  | 1",
                "{\"type\":7}                                          | bad_request  |",
                "{\"type\":\"dance\",\"ref\":\"9\"}                    | unknown_type | 9",
                "{\"type\":\"ping\",\"ref\":5}                         | bad_request  |",
                "{\"type\":\"join\",\"ref\":\"1\"}                     | bad_request  | 1",
                "{\"type\":\"join\",\"ref\":\"1\",\"room\":\"General\"} | invalid_room_name | 1",
                "{\"type\":\"join\",\"room\":\"a b\"}                  | invalid_room_name |",
                "{\"type\":\"send\",\"room\":\"r\",\"body\":3}         | bad_request  |",
                "{\"type\":\"send\",\"room\":\"r\",\"body\":\" \\u2003\\n\"} | empty_body |",
                "{\"type\":\"send\",\"room\":\"r\",\"body\":\"x\",\"clientMsgId\":\"\"} | bad_request |",
                "{\"type\":\"history\",\"room\":\"r\",\"limit\":101}   | bad_request  |",
                "{\"type\":\"history\",\"room\":\"r\",\"limit\":0}     | bad_request  |",
                "{\"type\":\"history\",\"room\":\"r\",\"before\":-1}   | bad_request  |",
                "{\"type\":\"history\",\"room\":\"r\",\"after\":1.5}   | bad_request  |",
                "{\"type\":\"history\",\"room\":\"r\",\"after\":\"3\"} | bad_request  |",
                "{\"type\":\"history\",\"room\":\"r\",\"after\":99999999999999999999} | bad_request |",
            })
    void rejectsMalformedFramesWithTheProtocolsErrorCode(String json, String code, String ref) {
        FrameException e = rejected(json);
        assertThat(e.code().wireName()).isEqualTo(code);
        assertThat(e.ref()).isEqualTo(ref);
    }

    @Test
    void measuresBodyLengthInCodePoints() throws Exception {
        String emoji = "\uD83D\uDE00"; // one code point, two UTF-16 units
        String atLimit = emoji.repeat(Limits.MAX_BODY_CODE_POINTS);
        assertThat(decode("{\"type\":\"send\",\"room\":\"r\",\"body\":\"" + atLimit + "\"}"))
                .isInstanceOf(ClientFrame.Send.class);
        assertThat(rejected("{\"type\":\"send\",\"room\":\"r\",\"body\":\"" + atLimit + "x\"}")
                        .code())
                .isEqualTo(ErrorCode.BODY_TOO_LONG);
    }

    @Test
    void encodesServerFramesWithTypeFirstAndWithoutAbsentFields() {
        String message = new String(
                codec.encode(new ServerFrame.Message(
                        "9", "general", 42, "alice", "<b>hi</b>", null, "2026-11-27T17:20:11.123Z")),
                UTF_8);
        assertThat(message)
                .isEqualTo("{\"type\":\"message\",\"id\":\"9\",\"room\":\"general\",\"seq\":42,"
                        + "\"sender\":\"alice\",\"body\":\"<b>hi</b>\",\"createdAt\":\"2026-11-27T17:20:11.123Z\"}");
        assertThat(FrameCodec.isMessageFrame(message.getBytes(UTF_8))).isTrue();
        assertThat(FrameCodec.messageIdOf(message.getBytes(UTF_8))).isEqualTo(9L);
        String error =
                new String(codec.encode(new ServerFrame.Error("7", ErrorCode.RATE_LIMITED, "slow down", 250L)), UTF_8);
        assertThat(FrameCodec.isMessageFrame(error.getBytes(UTF_8))).isFalse();
        assertThat(error)
                .isEqualTo("{\"type\":\"error\",\"ref\":\"7\",\"code\":\"rate_limited\","
                        + "\"message\":\"slow down\",\"retryAfterMs\":250}");
    }

    @Test
    void roundTripsServerFramesIncludingBothPresenceShapes() throws Exception {
        List<ServerFrame> frames = List.of(
                new ServerFrame.Ready(new User("17", "alice"), List.of(new RoomCursor("general", 42)), "backend-2"),
                new ServerFrame.Joined("1", new Room("general", "alice", "2026-11-27T17:20:11.123Z", 0)),
                new ServerFrame.Ack("2", "general", "90071992547409931", "c-1"),
                new ServerFrame.PresenceList("3", "general", List.of("alice", "bob")),
                new ServerFrame.PresenceChange("general", "bob", false),
                new ServerFrame.Member("general", "bob", ServerFrame.Member.JOINED),
                new ServerFrame.Error(null, ErrorCode.NOT_MEMBER, "no"));
        for (ServerFrame frame : frames) {
            assertThat(codec.decodeServer(codec.encode(frame))).isEqualTo(frame);
        }
        assertThat(codec.decodeServer("{\"type\":\"future-frame\"}".getBytes(UTF_8)))
                .isNull();
    }

    @Test
    void versionOnePointOneFieldsAreWrittenOnlyWhenSetAndRoundTrip() throws Exception {
        Room publicRoom = new Room("general", "alice", "2026-11-27T17:20:11.123Z", 0, null, "alice");
        Room privateRoom = new Room("team", "alice", "2026-11-27T17:20:11.123Z", 3, true, "alice");
        assertThat(new String(codec.encode(new ServerFrame.Joined(null, publicRoom)), UTF_8))
                .isEqualTo("{\"type\":\"joined\",\"room\":{\"name\":\"general\",\"createdBy\":\"alice\","
                        + "\"createdAt\":\"2026-11-27T17:20:11.123Z\",\"lastSeq\":0,\"owner\":\"alice\"}}");
        assertThat(new String(codec.write(privateRoom), UTF_8)).contains("\"private\":true");
        assertThat(new String(codec.write(new User("1", "root", User.ADMIN)), UTF_8))
                .isEqualTo("{\"id\":\"1\",\"username\":\"root\",\"role\":\"admin\"}");
        assertThat(codec.mapper()
                        .readValue(codec.write(new MembershipChange(null, true, privateRoom)), MembershipChange.class)
                        .room())
                .isEqualTo(privateRoom);
        List<ServerFrame> frames = List.of(
                new ServerFrame.Joined("1", privateRoom),
                new ServerFrame.Left(null, "team", "alice"),
                new ServerFrame.Member("team", "bob", ServerFrame.Member.BANNED, "alice"),
                new ServerFrame.Error("2", ErrorCode.ACCOUNT_DISABLED, "disabled"));
        for (ServerFrame frame : frames) {
            assertThat(codec.decodeServer(codec.encode(frame))).isEqualTo(frame);
        }
        assertThat(ErrorCode.FORBIDDEN.httpStatus()).isEqualTo(403);
        assertThat(ErrorCode.BANNED.wireName()).isEqualTo("banned");
    }

    @Test
    void clientFramesRoundTripThroughTheServerDecoder() throws Exception {
        ClientFrame send = new ClientFrame.Send("5", "r", "hello", "c");
        assertThat(codec.decodeClient(codec.encodeClient(send))).isEqualTo(send);
        ClientFrame history = new ClientFrame.History("6", "r", new HistoryQuery(9L, 2L, 10));
        assertThat(codec.decodeClient(codec.encodeClient(history))).isEqualTo(history);
    }

    @Test
    void decodesEditAndDeleteWithTheBodyRulesOfSend() throws Exception {
        assertThat(decode("{\"type\":\"edit\",\"ref\":\"e\",\"room\":\"r\",\"id\":\"9\",\"body\":\"new\"}"))
                .isEqualTo(new ClientFrame.Edit("e", "r", "9", "new", null));
        assertThat(decode("{\"type\":\"delete\",\"room\":\"r\",\"id\":\"9\",\"clientMsgId\":\"d\"}"))
                .isEqualTo(new ClientFrame.Delete(null, "r", "9", "d"));
        assertThat(rejected("{\"type\":\"edit\",\"room\":\"r\",\"id\":\"9\",\"body\":\" \"}")
                        .code())
                .isEqualTo(ErrorCode.EMPTY_BODY);
        assertThat(rejected("{\"type\":\"edit\",\"room\":\"r\",\"id\":\"9\",\"body\":\""
                                + "x".repeat(Limits.MAX_BODY_CODE_POINTS + 1) + "\"}")
                        .code())
                .isEqualTo(ErrorCode.BODY_TOO_LONG);
        assertThat(rejected("{\"type\":\"edit\",\"room\":\"r\",\"body\":\"x\"}").code())
                .isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(rejected("{\"type\":\"delete\",\"room\":\"r\",\"id\":9}").code())
                .isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(rejected("{\"type\":\"delete\",\"room\":\"r\",\"id\":\"9\",\"clientMsgId\":\"\"}")
                        .code())
                .isEqualTo(ErrorCode.BAD_REQUEST);
        for (ClientFrame frame :
                List.of(new ClientFrame.Edit("1", "r", "9", "b", "c"), new ClientFrame.Delete("2", "r", "9", null))) {
            assertThat(codec.decodeClient(codec.encodeClient(frame))).isEqualTo(frame);
        }
    }

    @Test
    void encodesLogEntriesAfterTheVersionOneFieldsAndRoundTripsThem() throws Exception {
        ServerFrame.Message edit = new ServerFrame.Message(
                "10", "general", 43, "alice", "fixed", null, "2026-11-27T17:20:12.000Z", "edit", "9", null, null);
        byte[] encoded = codec.encode(edit);
        assertThat(new String(encoded, UTF_8))
                .isEqualTo("{\"type\":\"message\",\"id\":\"10\",\"room\":\"general\",\"seq\":43,"
                        + "\"sender\":\"alice\",\"body\":\"fixed\",\"createdAt\":\"2026-11-27T17:20:12.000Z\","
                        + "\"kind\":\"edit\",\"target\":\"9\"}");
        assertThat(FrameCodec.messageIdOf(encoded)).isEqualTo(10L);
        assertThat(codec.decodeServer(encoded)).isEqualTo(edit);
        ServerFrame.Message deleted = new ServerFrame.Message(
                "9", "general", 42, "alice", "", null, "2026-11-27T17:20:11.123Z", null, null, null, true);
        assertThat(codec.decodeServer(codec.encode(deleted))).isEqualTo(deleted);
    }

    @Test
    void partitionOfIsStableAndInRange() {
        assertThat(RedisKeys.partitionOf("general", 8))
                .isEqualTo(RedisKeys.partitionOf("general", 8))
                .isBetween(0, 7);
        assertThatThrownBy(() -> new HistoryQuery(null, null, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
