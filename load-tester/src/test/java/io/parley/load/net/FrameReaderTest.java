package io.parley.load.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.protocol.ErrorCode;
import io.parley.protocol.FrameCodec;
import io.parley.protocol.Json;
import io.parley.protocol.RoomCursor;
import io.parley.protocol.ServerFrame;
import io.parley.protocol.User;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameReaderTest {
    private final FrameCodec codec = new FrameCodec(Json.newMapper());
    private final FrameReader reader = new FrameReader(codec);

    private InboundFrame read(ServerFrame frame) throws IOException {
        byte[] bytes = codec.encode(frame);
        // Read from the middle of a larger array, as from a pooled buffer.
        byte[] padded = new byte[bytes.length + 10];
        System.arraycopy(bytes, 0, padded, 5, bytes.length);
        return reader.read(padded, 5, bytes.length);
    }

    @Test
    void readsTheFieldsOfAMessageFrameTheCodecWrote() throws IOException {
        InboundFrame f = read(new ServerFrame.Message(
                "9007199254740993",
                "general",
                42,
                "alice",
                "hello {\"nested\": [1,2]}",
                "run.1f",
                "2026-11-27T17:20:11.123Z"));
        assertThat(f.type()).isEqualTo("message");
        assertThat(f.room()).isEqualTo("general");
        assertThat(f.seq()).isEqualTo(42);
        assertThat(f.clientMsgId()).isEqualTo("run.1f");
        assertThat(f.full()).isNull();
    }

    @Test
    void readsAckAndErrorFrames() throws IOException {
        InboundFrame ack = read(new ServerFrame.Ack("7", "general", "123", "run.7"));
        assertThat(ack.type()).isEqualTo("ack");
        assertThat(ack.ref()).isEqualTo("7");
        assertThat(ack.clientMsgId()).isEqualTo("run.7");

        InboundFrame error = read(new ServerFrame.Error("8", ErrorCode.RATE_LIMITED, "slow down", 250L));
        assertThat(error.type()).isEqualTo("error");
        assertThat(error.ref()).isEqualTo("8");
        assertThat(error.code()).isEqualTo("rate_limited");
    }

    @Test
    void readsFieldsInAnyOrder() throws IOException {
        byte[] json = "{\"seq\":5,\"extra\":{\"a\":[1]},\"room\":\"r\",\"type\":\"message\",\"clientMsgId\":\"x.1\"}"
                .getBytes(StandardCharsets.UTF_8);
        InboundFrame f = reader.read(json, 0, json.length);
        assertThat(f.seq()).isEqualTo(5);
        assertThat(f.room()).isEqualTo("r");
        assertThat(f.clientMsgId()).isEqualTo("x.1");
    }

    @Test
    void decodesOtherTypesFullyWithTheProtocolCodec() throws IOException {
        ServerFrame.Ready ready =
                new ServerFrame.Ready(new User("17", "alice"), List.of(new RoomCursor("general", 42)), "backend-2");
        InboundFrame f = read(ready);
        assertThat(f.type()).isEqualTo("ready");
        assertThat(f.full()).isEqualTo(ready);
    }

    @Test
    void answersNullForATypeItDoesNotKnow() throws IOException {
        byte[] json = "{\"type\":\"future-thing\",\"x\":1}".getBytes(StandardCharsets.UTF_8);
        assertThat(reader.read(json, 0, json.length)).isNull();
    }

    @Test
    void rejectsFramesThatAreNotObjectsOrHaveNoType() {
        byte[] array = "[1,2]".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> reader.read(array, 0, array.length)).isInstanceOf(IOException.class);
        byte[] untyped = "{\"seq\":1}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> reader.read(untyped, 0, untyped.length)).isInstanceOf(IOException.class);
    }
}
