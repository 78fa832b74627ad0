package io.parley.server.chat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Encodes a server-to-client WebSocket text frame (FIN, unmasked, RFC 6455 §5.2) once, header included, so a
 * broadcast writes retained duplicates of the very same bytes to every subscriber, past the WebSocket encoder.
 */
final class WireFrames {
    private WireFrames() {}

    static ByteBuf text(ByteBufAllocator alloc, byte[] payload) {
        int length = payload.length;
        int header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
        ByteBuf frame = alloc.directBuffer(header + length);
        frame.writeByte(0x81); // FIN + text
        if (length < 126) {
            frame.writeByte(length);
        } else if (length < 65_536) {
            frame.writeByte(126).writeShort(length);
        } else {
            frame.writeByte(127).writeLong(length);
        }
        return frame.writeBytes(payload);
    }
}
