package io.parley.worker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.protocol.Json;
import io.parley.protocol.QueueEnvelope;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EnvelopeDecoderTest {
    private final EnvelopeDecoder decoder = new EnvelopeDecoder(Json.newMapper());

    @Test
    void decodesAnEnvelopeAsServersEncodeIt() throws Exception {
        QueueEnvelope envelope =
                new QueueEnvelope("90071992547409931", "general", "17", "alice", "hello", "c-5f1e", 1_795_800_011_123L);
        String raw = Json.newMapper().writeValueAsString(envelope);

        assertThat(decoder.decode(raw)).contains(envelope);
    }

    @Test
    void decodesEditAndDeleteEnvelopes() throws Exception {
        for (QueueEnvelope envelope : List.of(
                new QueueEnvelope("2", "general", "17", "alice", "fixed", "c-2", 5L, QueueEnvelope.EDIT, "1"),
                new QueueEnvelope("3", "general", "17", "alice", "", null, 6L, QueueEnvelope.DELETE, "1"))) {
            String raw = Json.newMapper().writeValueAsString(envelope);
            assertThat(decoder.decode(raw)).contains(envelope);
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                """
            {"id":"2","room":"general","senderId":"17","sender":"alice","body":"x","acceptedAt":5,"kind":"edit"}""",
                """
            {"id":"2","room":"general","senderId":"17","sender":"alice","body":"x","acceptedAt":5,"target":"1"}""",
                """
            {"id":"2","room":"general","senderId":"17","sender":"alice","body":"x","acceptedAt":5,"kind":"pin",            "target":"1"}""",
                """
            {"id":"2","room":"general","senderId":"17","sender":"alice","body":"x","acceptedAt":5,"kind":"delete",            "target":"1"}""",
                """
            {"id":"2","room":"general","senderId":"17","sender":"alice","body":"x","acceptedAt":5,"kind":"edit",            "target":"x1"}"""
            })
    void dropsEditsAndDeletesThatCouldNeverBeApplied(String raw) {
        assertThat(decoder.decode(raw)).isEmpty();
    }

    @Test
    void acceptsAMissingClientMsgId() {
        String raw =
                """
                {"id":"1","room":"general","senderId":"17","sender":"alice","body":"hi","acceptedAt":5}""";

        assertThat(decoder.decode(raw))
                .hasValueSatisfying(e -> assertThat(e.clientMsgId()).isNull());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "not json",
                "[1,2]",
                "null",
                """
            {"room":"general","senderId":"17","sender":"alice","body":"hi","acceptedAt":5}""",
                """
            {"id":"+5","room":"general","senderId":"17","sender":"alice","body":"hi","acceptedAt":5}""",
                """
            {"id":"1","room":"general","senderId":"x","sender":"alice","body":"hi","acceptedAt":5}""",
                """
            {"id":"1","room":"General!","senderId":"17","sender":"alice","body":"hi","acceptedAt":5}""",
                """
            {"id":"1","room":"general","senderId":"17","sender":"abcdefghijklmnopqrstuvwxyz0123456","body":"hi",\
            "acceptedAt":5}""",
                """
            {"id":"1","room":"general","senderId":"17","sender":"alice","acceptedAt":5}""",
                """
            {"id":"1","room":"general","senderId":"17","sender":"alice","body":"hi","clientMsgId":"",\
            "acceptedAt":5}""",
                """
            {"id":"1","room":"general","senderId":"17","sender":"alice","body":"hi"}""",
                """
            {"id":"99999999999999999999","room":"general","senderId":"17","sender":"alice","body":"hi",\
            "acceptedAt":5}"""
            })
    void dropsEnvelopesThatCouldNeverBeStored(String raw) {
        assertThat(decoder.decode(raw)).isEmpty();
    }
}
