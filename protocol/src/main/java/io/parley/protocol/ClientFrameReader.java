package io.parley.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

/**
 * The fast path of {@link FrameCodec#decodeClient}: reads a client frame with a streaming parser straight into its
 * record, without building a tree. It only ever accepts: a frame it cannot vouch for (any malformed, mistyped or
 * out-of-range field) is left to the tree decoder, which owns every error code and message, so both answer alike.
 */
final class ClientFrameReader {
    private final JsonFactory factory;

    ClientFrameReader(JsonFactory factory) {
        this.factory = Objects.requireNonNull(factory, "factory");
    }

    /** The frame when it is valid, else empty (the caller decodes it again to say why). */
    Optional<ClientFrame> read(byte[] json) {
        Fields f = new Fields();
        // The parser is built from the mapper's factory, so duplicate keys, nesting depth and number lengths are
        // limited exactly as for the tree; any parse error falls back, and the tree reports it.
        try (JsonParser p = factory.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (!f.take(name, value, p)) {
                    return Optional.empty();
                }
            }
            // One JSON value per frame (FAIL_ON_TRAILING_TOKENS): anything after the object is the tree's to reject.
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                return Optional.empty();
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.ofNullable(f.frame());
    }

    /** The top-level fields read so far; a field of the wrong JSON type makes {@link #take} answer false. */
    private static final class Fields {
        private String type;
        private String ref;
        private String room;
        private String body;
        private String id;
        private String clientMsgId;
        private Long before;
        private Long after;
        private Long limit;

        boolean take(String name, JsonToken value, JsonParser p) throws IOException {
            // A value of the wrong type (or an out-of-range number) may still be fine for a frame type that ignores
            // the field, but that is rare: answering false lets the tree decide.
            switch (name) {
                case "type" -> type = string(value, p);
                case "ref" -> ref = string(value, p);
                case "room" -> room = string(value, p);
                case "body" -> body = string(value, p);
                case "id" -> id = string(value, p);
                case "clientMsgId" -> clientMsgId = string(value, p);
                case "before" -> before = number(value, p);
                case "after" -> after = number(value, p);
                case "limit" -> limit = number(value, p);
                default -> {
                    p.skipChildren();
                    return true;
                }
            }
            return switch (name) {
                case "before", "after", "limit" -> value == JsonToken.VALUE_NULL || isSmallInteger(value, p);
                default -> value == JsonToken.VALUE_NULL || value == JsonToken.VALUE_STRING;
            };
        }

        private static String string(JsonToken value, JsonParser p) throws IOException {
            return value == JsonToken.VALUE_STRING ? p.getText() : null;
        }

        private static Long number(JsonToken value, JsonParser p) throws IOException {
            return isSmallInteger(value, p) ? p.getLongValue() : null;
        }

        private static boolean isSmallInteger(JsonToken value, JsonParser p) throws IOException {
            if (value != JsonToken.VALUE_NUMBER_INT) {
                return false;
            }
            JsonParser.NumberType t = p.getNumberType();
            return t == JsonParser.NumberType.INT || t == JsonParser.NumberType.LONG;
        }

        /** The frame, or null when any rule of the tree decoder would reject it. */
        ClientFrame frame() {
            if (type == null || (ref != null && ref.codePointCount(0, ref.length()) > Limits.MAX_REF_CODE_POINTS)) {
                return null;
            }
            return switch (type) {
                case "join" -> validRoom() ? new ClientFrame.Join(ref, room) : null;
                case "leave" -> validRoom() ? new ClientFrame.Leave(ref, room) : null;
                case "send" ->
                    validRoom() && validBody() && validClientMsgId()
                            ? new ClientFrame.Send(ref, room, body, clientMsgId)
                            : null;
                case "edit" ->
                    validRoom() && id != null && validBody() && validClientMsgId()
                            ? new ClientFrame.Edit(ref, room, id, body, clientMsgId)
                            : null;
                case "delete" ->
                    validRoom() && id != null && validClientMsgId()
                            ? new ClientFrame.Delete(ref, room, id, clientMsgId)
                            : null;
                case "history" ->
                    validRoom() && validHistory()
                            ? new ClientFrame.History(
                                    ref,
                                    room,
                                    new HistoryQuery(
                                            before,
                                            after,
                                            limit == null ? Limits.DEFAULT_HISTORY_LIMIT : limit.intValue()))
                            : null;
                case "typing" -> validRoom() ? new ClientFrame.Typing(ref, room) : null;
                case "presence" -> validRoom() ? new ClientFrame.Presence(ref, room) : null;
                case "ping" -> new ClientFrame.Ping(ref);
                default -> null;
            };
        }

        private boolean validRoom() {
            return Validation.isValidRoomName(room);
        }

        private boolean validBody() {
            return body != null && Validation.checkBody(body) == null;
        }

        private boolean validClientMsgId() {
            return Validation.isValidClientMsgId(clientMsgId);
        }

        private boolean validHistory() {
            return (before == null || before >= 0)
                    && (after == null || after >= 0)
                    && (limit == null || (limit >= 1 && limit <= Limits.MAX_HISTORY_LIMIT));
        }
    }
}
