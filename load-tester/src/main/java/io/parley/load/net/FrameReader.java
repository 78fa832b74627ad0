package io.parley.load.net;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.ServerFrame;
import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * Reads server frames. The hot types are read field by field with Jackson's streaming parser, skipping the body,
 * because a receiver may see hundreds of thousands of them per second on a machine it shares with the server;
 * everything else goes through {@link FrameCodec#decodeServer}.
 */
public final class FrameReader {
    private final FrameCodec codec;
    private final JsonFactory factory;
    /** Per event-loop thread: frames in direct buffers are copied here instead of into a new array each. */
    private final FastThreadLocal<byte[]> scratch = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[64 * 1024];
        }
    };

    public FrameReader(FrameCodec codec) {
        this.codec = Objects.requireNonNull(codec, "codec");
        this.factory = codec.mapper().getFactory();
    }

    /** Reads the frame in a buffer without consuming it; null for a type this client does not know. */
    public InboundFrame read(ByteBuf content) throws IOException {
        int length = content.readableBytes();
        if (content.hasArray()) {
            return read(content.array(), content.arrayOffset() + content.readerIndex(), length);
        }
        byte[] buffer = scratch.get();
        if (buffer.length < length) {
            buffer = new byte[length];
        }
        content.getBytes(content.readerIndex(), buffer, 0, length);
        return read(buffer, 0, length);
    }

    /** Reads one frame; answers null for a type this client does not know (the protocol may add types). */
    public InboundFrame read(byte[] bytes, int offset, int length) throws IOException {
        String type = null;
        String ref = null;
        String room = null;
        String clientMsgId = null;
        String code = null;
        long seq = -1;
        try (JsonParser p = factory.createParser(bytes, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("server frame is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "type" -> {
                        type = value == JsonToken.VALUE_STRING ? p.getText() : null;
                        if (type != null && !isHot(type)) {
                            return full(bytes, offset, length, type);
                        }
                    }
                    case "ref" -> ref = text(p, value);
                    case "room" -> room = text(p, value);
                    case "clientMsgId" -> clientMsgId = text(p, value);
                    case "code" -> code = text(p, value);
                    case "seq" -> seq = value == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
                    default -> p.skipChildren();
                }
            }
        }
        if (type == null) {
            throw new IOException("server frame has no type");
        }
        return new InboundFrame(type, ref, room, seq, clientMsgId, code, null);
    }

    private static boolean isHot(String type) {
        return type.equals(InboundFrame.MESSAGE) || type.equals(InboundFrame.ACK) || type.equals(InboundFrame.ERROR);
    }

    private InboundFrame full(byte[] bytes, int offset, int length, String type) throws IOException {
        byte[] exact =
                offset == 0 && length == bytes.length ? bytes : Arrays.copyOfRange(bytes, offset, offset + length);
        ServerFrame frame = codec.decodeServer(exact);
        if (frame == null) {
            return null;
        }
        String room =
                switch (frame) {
                    case ServerFrame.Joined j ->
                        j.room() == null ? null : j.room().name();
                    case ServerFrame.Left l -> l.room();
                    default -> null;
                };
        String ref =
                switch (frame) {
                    case ServerFrame.Joined j -> j.ref();
                    case ServerFrame.Left l -> l.ref();
                    case ServerFrame.Pong p -> p.ref();
                    case ServerFrame.History h -> h.ref();
                    case ServerFrame.PresenceList pl -> pl.ref();
                    default -> null;
                };
        return new InboundFrame(type, ref, room, -1, null, null, frame);
    }

    private static String text(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        p.skipChildren();
        return null;
    }
}
