package io.parley.worker.queue;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.parley.protocol.QueueEnvelope;
import io.parley.protocol.Validation;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes queue envelopes and rejects the ones that could never be stored, so a bad envelope is dropped with a
 * warning instead of failing its batch forever. Bodies never reach the log.
 */
public final class EnvelopeDecoder {
    private static final Logger log = LoggerFactory.getLogger(EnvelopeDecoder.class);
    /** Limits of the messages table's columns (TEXT is 65535 bytes). */
    private static final int MAX_SENDER_CHARS = 32;

    private static final int MAX_BODY_BYTES = 65_535;
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,19}");

    private final ObjectMapper mapper;

    public EnvelopeDecoder(ObjectMapper mapper) {
        this.mapper = requireNonNull(mapper, "mapper");
    }

    /** The envelope, or empty (after a WARN) when it is not valid JSON or not storable. */
    public Optional<QueueEnvelope> decode(String raw) {
        QueueEnvelope envelope;
        try {
            envelope = mapper.readValue(raw, QueueEnvelope.class);
        } catch (JacksonException e) {
            log.warn("Dropping an undecodable queue envelope ({} chars): {}", raw.length(), e.getOriginalMessage());
            return Optional.empty();
        }
        String problem = problem(envelope);
        if (problem != null) {
            log.warn(
                    "Dropping queue envelope id={} room={}: {}",
                    envelope == null ? null : envelope.id(),
                    envelope == null ? null : envelope.room(),
                    problem);
            return Optional.empty();
        }
        return Optional.of(envelope);
    }

    private static String problem(QueueEnvelope e) {
        if (e == null) {
            return "null envelope";
        }
        if (!isLong(e.id())) {
            return "id: expected a decimal 64-bit integer";
        }
        if (!isLong(e.senderId())) {
            return "senderId: expected a decimal 64-bit integer";
        }
        if (!Validation.isValidRoomName(e.room())) {
            return "room: expected a valid room name";
        }
        if (e.sender() == null || e.sender().isEmpty() || e.sender().length() > MAX_SENDER_CHARS) {
            return "sender: expected 1-" + MAX_SENDER_CHARS + " characters";
        }
        if (e.body() == null || e.body().getBytes(StandardCharsets.UTF_8).length > MAX_BODY_BYTES) {
            return "body: missing or longer than " + MAX_BODY_BYTES + " bytes";
        }
        if (!Validation.isValidClientMsgId(e.clientMsgId())) {
            return "clientMsgId: expected 1-64 characters";
        }
        if (e.kind() == null ? e.target() != null : !isLong(e.target())) {
            return "target: expected a decimal 64-bit integer with a kind, and none without";
        }
        if (e.kind() != null
                && !e.kind().equals(QueueEnvelope.EDIT)
                && !e.kind().equals(QueueEnvelope.DELETE)) {
            return "kind: expected edit, delete or none";
        }
        if (QueueEnvelope.DELETE.equals(e.kind()) && !e.body().isEmpty()) {
            return "body: a delete carries none";
        }
        if (e.acceptedAt() <= 0) {
            return "acceptedAt: expected epoch milliseconds";
        }
        return null;
    }

    private static boolean isLong(String s) {
        // Digits only: the id is echoed to clients as given, so "+5" or " 5" must not pass as 5.
        if (s == null || !DIGITS.matcher(s).matches()) {
            return false;
        }
        try {
            Long.parseLong(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
