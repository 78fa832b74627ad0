package io.parley.load.net;

import io.parley.protocol.ServerFrame;

/**
 * A frame from the server. {@code message}, {@code ack} and {@code error} frames, the hot path, carry only the
 * fields the load tester needs (read with a streaming parser); every other type carries its full decoded frame.
 */
public record InboundFrame(
        String type, String ref, String room, long seq, String clientMsgId, String code, ServerFrame full) {
    public static final String MESSAGE = "message";
    public static final String ACK = "ack";
    public static final String ERROR = "error";

    public boolean is(String t) {
        return t.equals(type);
    }
}
