package io.parley.worker.bus;

import static java.util.Objects.requireNonNull;

import io.parley.protocol.FrameBatch;
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
 * every server replica writes the bytes as they are, a room's frames in one {@link FrameBatch}; the queue's take script
 * publishes them.
 */
public final class MessageFrames {
    private final RedisKeys keys;
    private final FrameCodec codec;

    public MessageFrames(RedisKeys keys, FrameCodec codec) {
        this.keys = requireNonNull(keys, "keys");
        this.codec = requireNonNull(codec, "codec");
    }

    /**
     * Channel and payload of each room, alternating: one payload per run of consecutive messages of a room, carrying
     * their frames in the given order (which must be seq order per room), so a round costs one publish per room.
     */
    public List<byte[]> channelsAndFrames(List<StoredMessage> messages) {
        List<byte[]> args = new ArrayList<>();
        List<byte[]> frames = new ArrayList<>();
        String room = null;
        for (StoredMessage m : messages) {
            if (room != null && !room.equals(m.room())) {
                add(args, room, frames);
            }
            room = m.room();
            frames.add(frame(m));
        }
        if (room != null) {
            add(args, room, frames);
        }
        return args;
    }

    private void add(List<byte[]> args, String room, List<byte[]> frames) {
        args.add(keys.roomChannel(room).getBytes(StandardCharsets.UTF_8));
        args.add(FrameBatch.encode(frames));
        frames.clear();
    }

    private byte[] frame(StoredMessage m) {
        return codec.encode(new ServerFrame.Message(
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
                null));
    }
}
