package io.parley.worker.bus;

import static java.util.Objects.requireNonNull;

import io.parley.protocol.FrameCodec;
import io.parley.protocol.RedisKeys;
import io.parley.protocol.ServerFrame;
import io.parley.protocol.Timestamps;
import io.parley.worker.store.StoredMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes stored messages for their rooms' channels, each as the exact {@code message} frame clients receive, so
 * every server replica writes the bytes as they are; the queue's take script publishes them.
 */
public final class MessageFrames {
    private final RedisKeys keys;
    private final FrameCodec codec;

    public MessageFrames(RedisKeys keys, FrameCodec codec) {
        this.keys = requireNonNull(keys, "keys");
        this.codec = requireNonNull(codec, "codec");
    }

    /** Channel and frame of each message, alternating, in the given order (which must be seq order per room). */
    public List<byte[]> channelsAndFrames(List<StoredMessage> messages) {
        List<byte[]> args = new ArrayList<>(2 * messages.size());
        for (StoredMessage m : messages) {
            args.add(keys.roomChannel(m.room()).getBytes(StandardCharsets.UTF_8));
            args.add(codec.encode(new ServerFrame.Message(
                    m.id(),
                    m.room(),
                    m.seq(),
                    m.sender(),
                    m.body(),
                    m.clientMsgId(),
                    Timestamps.formatMillis(m.acceptedAt()),
                    m.kind(),
                    m.target(),
                    null,
                    null)));
        }
        return args;
    }
}
