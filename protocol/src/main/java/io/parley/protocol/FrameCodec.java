package io.parley.protocol;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.function.Function;

/**
 * The WebSocket JSON codec. Client frames are decoded field by field so that every malformed input maps to the
 * precise error code of PROTOCOL.md; server frames are encoded once to bytes that fan-out writes many times.
 */
public final class FrameCodec {
    private final ObjectMapper mapper;

    public FrameCodec(ObjectMapper mapper) {
        this.mapper = java.util.Objects.requireNonNull(mapper, "mapper");
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    // ---------------------------------------------------------------- client frames (server side)

    public ClientFrame decodeClient(byte[] json) throws FrameException {
        JsonNode node;
        try {
            node = mapper.readTree(json);
        } catch (IOException e) {
            throw new FrameException(ErrorCode.BAD_REQUEST, "frame is not valid JSON", null);
        }
        if (node == null || !node.isObject()) {
            throw new FrameException(ErrorCode.BAD_REQUEST, "frame must be a JSON object", null);
        }
        Fields f = new Fields((ObjectNode) node);
        String type = f.requiredString("type");
        return switch (type) {
            case "join" -> new ClientFrame.Join(f.ref, f.room());
            case "leave" -> new ClientFrame.Leave(f.ref, f.room());
            case "send" -> decodeSend(f);
            case "edit" -> decodeEdit(f);
            case "delete" -> new ClientFrame.Delete(f.ref, f.room(), f.requiredString("id"), f.clientMsgId());
            case "history" -> new ClientFrame.History(f.ref, f.room(), f.historyQuery());
            case "typing" -> new ClientFrame.Typing(f.ref, f.room());
            case "presence" -> new ClientFrame.Presence(f.ref, f.room());
            case "ping" -> new ClientFrame.Ping(f.ref);
            default -> throw new FrameException(ErrorCode.UNKNOWN_TYPE, "unknown frame type: " + truncate(type), f.ref);
        };
    }

    private static ClientFrame.Send decodeSend(Fields f) throws FrameException {
        String room = f.room();
        String body = f.requiredString("body");
        String clientMsgId = f.clientMsgId();
        f.checkBody(body);
        return new ClientFrame.Send(f.ref, room, body, clientMsgId);
    }

    private static ClientFrame.Edit decodeEdit(Fields f) throws FrameException {
        String room = f.room();
        String id = f.requiredString("id");
        String body = f.requiredString("body");
        String clientMsgId = f.clientMsgId();
        f.checkBody(body);
        return new ClientFrame.Edit(f.ref, room, id, body, clientMsgId);
    }

    public byte[] encodeClient(ClientFrame frame) {
        ObjectNode node = mapper.createObjectNode();
        switch (frame) {
            case ClientFrame.Join j -> node.put("type", "join").put("room", j.room());
            case ClientFrame.Leave l -> node.put("type", "leave").put("room", l.room());
            case ClientFrame.Send s -> {
                node.put("type", "send").put("room", s.room()).put("body", s.body());
                if (s.clientMsgId() != null) {
                    node.put("clientMsgId", s.clientMsgId());
                }
            }
            case ClientFrame.Edit e -> {
                node.put("type", "edit").put("room", e.room()).put("id", e.id()).put("body", e.body());
                if (e.clientMsgId() != null) {
                    node.put("clientMsgId", e.clientMsgId());
                }
            }
            case ClientFrame.Delete d -> {
                node.put("type", "delete").put("room", d.room()).put("id", d.id());
                if (d.clientMsgId() != null) {
                    node.put("clientMsgId", d.clientMsgId());
                }
            }
            case ClientFrame.History h -> {
                node.put("type", "history").put("room", h.room());
                if (h.query().before() != null) {
                    node.put("before", h.query().before());
                }
                if (h.query().after() != null) {
                    node.put("after", h.query().after());
                }
                node.put("limit", h.query().limit());
            }
            case ClientFrame.Typing t -> node.put("type", "typing").put("room", t.room());
            case ClientFrame.Presence p -> node.put("type", "presence").put("room", p.room());
            case ClientFrame.Ping p -> node.put("type", "ping");
        }
        if (frame.ref() != null) {
            node.put("ref", frame.ref());
        }
        return write(node);
    }

    // ---------------------------------------------------------------- server frames

    public byte[] encode(ServerFrame frame) {
        return write(frame);
    }

    public byte[] write(Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (JacksonException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Map<String, Function<JsonNode, Class<? extends ServerFrame>>> SERVER_TYPES = Map.ofEntries(
            Map.entry("ready", n -> ServerFrame.Ready.class),
            Map.entry("joined", n -> ServerFrame.Joined.class),
            Map.entry("left", n -> ServerFrame.Left.class),
            Map.entry("ack", n -> ServerFrame.Ack.class),
            Map.entry("message", n -> ServerFrame.Message.class),
            Map.entry("history", n -> ServerFrame.History.class),
            Map.entry("member", n -> ServerFrame.Member.class),
            Map.entry("typing", n -> ServerFrame.Typing.class),
            Map.entry(
                    "presence",
                    n -> n.path("online").isArray()
                            ? ServerFrame.PresenceList.class
                            : ServerFrame.PresenceChange.class),
            Map.entry("pong", n -> ServerFrame.Pong.class),
            Map.entry("error", n -> ServerFrame.Error.class));

    /** Decodes a server frame (clients and tests); unknown types answer null so that clients tolerate additions. */
    public ServerFrame decodeServer(byte[] json) throws IOException {
        JsonNode node = mapper.readTree(json);
        var resolver = SERVER_TYPES.get(node.path("type").asText());
        return resolver == null ? null : mapper.treeToValue(node, resolver.apply(node));
    }

    private static final byte[] MESSAGE_PREFIX =
            "{\"type\":\"message\",\"id\":\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** True for an encoded {@code message} frame, which always starts with its type and id (see {@link #encode}). */
    public static boolean isMessageFrame(byte[] json) {
        return java.util.Arrays.equals(
                json, 0, Math.min(json.length, MESSAGE_PREFIX.length), MESSAGE_PREFIX, 0, MESSAGE_PREFIX.length);
    }

    /** The id of an encoded message frame, read without parsing the whole frame. */
    public static long messageIdOf(byte[] json) {
        long id = 0;
        for (int i = MESSAGE_PREFIX.length; i < json.length && json[i] != '"'; i++) {
            id = id * 10 + (json[i] - '0');
        }
        return id;
    }

    private static String truncate(String s) {
        return s.length() <= 32 ? s : s.substring(0, 32) + "…";
    }

    /** Typed access to a client frame's fields; every violation is a {@link FrameException} carrying the ref. */
    private static final class Fields {
        private final ObjectNode node;
        private final String ref;

        Fields(ObjectNode node) throws FrameException {
            this.node = node;
            JsonNode refNode = node.get("ref");
            if (refNode != null && !refNode.isNull() && !refNode.isTextual()) {
                throw new FrameException(ErrorCode.BAD_REQUEST, "ref: expected a string", null);
            }
            String r = refNode == null || refNode.isNull() ? null : refNode.textValue();
            if (r != null && r.codePointCount(0, r.length()) > Limits.MAX_REF_CODE_POINTS) {
                throw new FrameException(ErrorCode.BAD_REQUEST, "ref: longer than " + Limits.MAX_REF_CODE_POINTS, null);
            }
            this.ref = r;
        }

        FrameException error(ErrorCode code, String message) {
            return new FrameException(code, message, ref);
        }

        String requiredString(String name) throws FrameException {
            JsonNode v = node.get(name);
            if (v == null || v.isNull()) {
                throw error(ErrorCode.BAD_REQUEST, name + ": missing");
            }
            if (!v.isTextual()) {
                throw error(ErrorCode.BAD_REQUEST, name + ": expected a string");
            }
            return v.textValue();
        }

        String optionalString(String name) throws FrameException {
            JsonNode v = node.get(name);
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isTextual()) {
                throw error(ErrorCode.BAD_REQUEST, name + ": expected a string");
            }
            return v.textValue();
        }

        String clientMsgId() throws FrameException {
            String clientMsgId = optionalString("clientMsgId");
            if (!Validation.isValidClientMsgId(clientMsgId)) {
                throw error(
                        ErrorCode.BAD_REQUEST,
                        "clientMsgId: expected 1-" + Limits.MAX_CLIENT_MSG_ID_CODE_POINTS + " characters");
            }
            return clientMsgId;
        }

        void checkBody(String body) throws FrameException {
            ErrorCode bodyError = Validation.checkBody(body);
            if (bodyError == ErrorCode.BODY_TOO_LONG) {
                throw error(bodyError, "body: more than " + Limits.MAX_BODY_CODE_POINTS + " characters");
            }
            if (bodyError == ErrorCode.EMPTY_BODY) {
                throw error(bodyError, "body: empty or only whitespace");
            }
        }

        String room() throws FrameException {
            String room = requiredString("room");
            if (!Validation.isValidRoomName(room)) {
                throw error(ErrorCode.INVALID_ROOM_NAME, "room: expected 1-48 characters of a-z, 0-9, '-', '_'");
            }
            return room;
        }

        Long optionalLong(String name, long min, long max) throws FrameException {
            JsonNode v = node.get(name);
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
                throw error(ErrorCode.BAD_REQUEST, name + ": expected an integer in " + min + "-" + max);
            }
            return v.longValue();
        }

        HistoryQuery historyQuery() throws FrameException {
            Long before = optionalLong("before", 0, Long.MAX_VALUE);
            Long after = optionalLong("after", 0, Long.MAX_VALUE);
            Long limit = optionalLong("limit", 1, Limits.MAX_HISTORY_LIMIT);
            return new HistoryQuery(before, after, limit == null ? Limits.DEFAULT_HISTORY_LIMIT : limit.intValue());
        }
    }
}
