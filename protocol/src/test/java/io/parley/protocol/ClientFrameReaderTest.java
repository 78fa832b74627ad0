package io.parley.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The streaming decoder answers every frame exactly as the tree decoder it replaces on the hot path. */
class ClientFrameReaderTest {
    private final FrameCodec codec = new FrameCodec(Json.newMapper());

    private static final List<String> CORPUS = List.of(
            "{\"type\":\"send\",\"ref\":\"2\",\"room\":\"r\",\"body\":\"hi\",\"clientMsgId\":\"c-1\"}",
            "{\"ref\":\"2\",\"body\":\"hi\",\"room\":\"r\",\"type\":\"send\"}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\"hi\",\"extra\":{\"a\":[1,2,{\"b\":null}]},\"n\":1.5}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\"hi\",\"ref\":null,\"clientMsgId\":null}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\"hi\",\"ref\":5}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\"hi\",\"ref\":\"" + "x".repeat(65) + "\"}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\"hi\",\"ref\":\"" + "x".repeat(64) + "\"}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\"hi\",\"clientMsgId\":\"" + "c".repeat(65) + "\"}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\"hi\",\"clientMsgId\":7}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\"hi\",\"clientMsgId\":\"\"}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\" \\u2003\\n\"}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\"\"}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\"\\ud83d\"}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\"" + "y".repeat(4001) + "\"}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\"" + "\uD83D\uDE00".repeat(4000) + "\"}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":3}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":[\"a\"]}",
            "{\"type\":\"send\",\"room\":\"r\"}",
            "{\"type\":\"send\",\"body\":\"hi\"}",
            "{\"type\":\"send\",\"room\":\"R\",\"body\":\"hi\"}",
            "{\"type\":\"send\",\"room\":\"" + "a".repeat(49) + "\",\"body\":\"hi\"}",
            "{\"type\":\"send\",\"room\":\"" + "a".repeat(48) + "\",\"body\":\"hi\"}",
            "{\"type\":\"send\",\"room\":\"\",\"body\":\"hi\"}",
            "{\"type\":\"send\",\"room\":\"a\\nb\",\"body\":\"hi\"}",
            "{\"type\":\"send\",\"room\":{},\"body\":\"hi\"}",
            "{\"type\":\"send\",\"room\":\"r\",\"room\":\"s\",\"body\":\"hi\"}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\"hi\"} ",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\"hi\"}{}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\"hi\"}}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\"hi\"",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\"hi\",}",
            "{\"type\":\"join\",\"ref\":\"1\",\"room\":\"general\"}",
            "{\"type\":\"join\",\"ref\":\"1\",\"room\":\"general\",\"body\":5,\"before\":\"x\"}",
            "{\"type\":\"leave\",\"room\":\"a-b_1\"}",
            "{\"type\":\"typing\",\"room\":\"r\"}",
            "{\"type\":\"presence\",\"ref\":\"p\",\"room\":\"r\"}",
            "{\"type\":\"ping\",\"ref\":\"x\"}",
            "{\"type\":\"ping\",\"room\":7,\"body\":{}}",
            "{\"type\":\"ping\"}",
            "{\"type\":\"PING\"}",
            "{\"type\":7}",
            "{\"type\":null}",
            "{\"type\":\"" + "d".repeat(40) + "\",\"ref\":\"9\"}",
            "{\"ref\":\"1\"}",
            "{}",
            "[]",
            "[1,2]",
            "\"ping\"",
            "null",
            "5",
            "",
            "   ",
            "not json",
            "{\"type\":\"history\",\"room\":\"r\",\"before\":10,\"limit\":5}",
            "{\"type\":\"history\",\"room\":\"r\",\"after\":10,\"limit\":100}",
            "{\"type\":\"history\",\"room\":\"r\",\"after\":9223372036854775807}",
            "{\"type\":\"history\",\"room\":\"r\",\"after\":9223372036854775808}",
            "{\"type\":\"history\",\"room\":\"r\",\"after\":99999999999999999999}",
            "{\"type\":\"history\",\"room\":\"r\",\"before\":null,\"after\":null,\"limit\":null}",
            "{\"type\":\"history\",\"room\":\"r\"}",
            "{\"type\":\"history\",\"room\":\"r\",\"limit\":101}",
            "{\"type\":\"history\",\"room\":\"r\",\"limit\":0}",
            "{\"type\":\"history\",\"room\":\"r\",\"limit\":-0}",
            "{\"type\":\"history\",\"room\":\"r\",\"before\":-1}",
            "{\"type\":\"history\",\"room\":\"r\",\"after\":1.5}",
            "{\"type\":\"history\",\"room\":\"r\",\"after\":1.0}",
            "{\"type\":\"history\",\"room\":\"r\",\"after\":1e2}",
            "{\"type\":\"history\",\"room\":\"r\",\"after\":\"3\"}",
            "{\"type\":\"history\",\"room\":\"r\",\"after\":true}",
            "{\"type\":\"history\",\"room\":\"r\",\"limit\":" + "1".repeat(1001) + "}",
            "{\"type\":\"edit\",\"ref\":\"e\",\"room\":\"r\",\"id\":\"9\",\"body\":\"new\"}",
            "{\"type\":\"edit\",\"room\":\"r\",\"id\":\"9\",\"body\":\" \"}",
            "{\"type\":\"edit\",\"room\":\"r\",\"body\":\"x\"}",
            "{\"type\":\"edit\",\"room\":\"r\",\"id\":9,\"body\":\"x\"}",
            "{\"type\":\"delete\",\"room\":\"r\",\"id\":\"9\",\"clientMsgId\":\"d\"}",
            "{\"type\":\"delete\",\"room\":\"r\",\"id\":9}",
            "{\"type\":\"delete\",\"room\":\"r\",\"id\":\"9\",\"clientMsgId\":\"\"}",
            "{\"type\":\"delete\",\"room\":\"r\",\"id\":\"9\",\"body\":\"  \"}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\"hi\",\"deep\":" + "[".repeat(40) + "]".repeat(40) + "}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\"hi\",\"x\":{\"y\":1,\"y\":2}}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\"hi\"/* c */}",
            "{'type':'ping'}",
            "{type:\"ping\"}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\"tab\there\"}",
            "{\"type\":\"send\",\"room\":\"r\",\"body\":\"\\u0000\"}");

    @Test
    void answersEveryFrameOfTheCorpusLikeTheTreeDecoder() {
        for (String frame : CORPUS) {
            assertSameOutcome(frame.getBytes(UTF_8));
        }
    }

    @Test
    void answersMutatedFramesLikeTheTreeDecoder() {
        // Random byte edits of valid frames: truncations, swapped characters, broken quotes and digits.
        Random random = new Random(9);
        byte[] alphabet = "{}[]\",:0123456789.-eE tnul\\abrsy".getBytes(UTF_8);
        int accepted = 0;
        for (String frame : CORPUS.subList(0, 12)) {
            byte[] original = frame.getBytes(UTF_8);
            for (int i = 0; i < 400; i++) {
                byte[] mutated = original.clone();
                int edits = 1 + random.nextInt(3);
                for (int e = 0; e < edits; e++) {
                    mutated[random.nextInt(mutated.length)] = alphabet[random.nextInt(alphabet.length)];
                }
                if (random.nextInt(5) == 0) {
                    mutated = java.util.Arrays.copyOf(mutated, random.nextInt(mutated.length));
                }
                if (assertSameOutcome(mutated) instanceof Outcome.Accepted) {
                    accepted++;
                }
            }
        }
        assertThat(accepted)
                .as("mutations that still decode, so the fast path was exercised")
                .isGreaterThan(100);
    }

    @Test
    void takesTheStreamingPathForValidFramesOnly() {
        ClientFrameReader reader = new ClientFrameReader(Json.newMapper().getFactory());
        assertThat(reader.read("{\"type\":\"send\",\"room\":\"r\",\"body\":\"hi\"}".getBytes(UTF_8)))
                .contains(new ClientFrame.Send(null, "r", "hi", null));
        assertThat(reader.read("{\"type\":\"send\",\"room\":\"r\",\"body\":\" \"}".getBytes(UTF_8)))
                .isEmpty();
        assertThat(reader.read("{\"type\":\"ping\",\"ref\":5}".getBytes(UTF_8))).isEmpty();
        assertThat(reader.read("{\"type\":\"ping\"} x".getBytes(UTF_8))).isEmpty();
    }

    private sealed interface Outcome {
        record Accepted(ClientFrame frame) implements Outcome {}

        record Rejected(ErrorCode code, String message, String ref) implements Outcome {}
    }

    private Outcome assertSameOutcome(byte[] json) {
        Outcome fast = outcome(() -> codec.decodeClient(json));
        Outcome tree = outcome(() -> codec.decodeClientTree(json));
        assertThat(fast).as(new String(json, UTF_8)).isEqualTo(tree);
        return fast;
    }

    private interface Decode {
        ClientFrame run() throws FrameException;
    }

    private static Outcome outcome(Decode decode) {
        try {
            return new Outcome.Accepted(decode.run());
        } catch (FrameException e) {
            return new Outcome.Rejected(e.code(), e.getMessage(), e.ref());
        }
    }

    @Test
    void corpusCoversBothOutcomes() {
        List<Outcome> outcomes = new ArrayList<>();
        CORPUS.forEach(f -> outcomes.add(assertSameOutcome(f.getBytes(UTF_8))));
        assertThat(outcomes).hasAtLeastOneElementOfType(Outcome.Accepted.class);
        assertThat(outcomes).hasAtLeastOneElementOfType(Outcome.Rejected.class);
    }
}
