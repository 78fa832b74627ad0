package io.parley.load.users;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mints the server's tokens locally (HS256; {@code sub} = user id, {@code name} = username, {@code iat},
 * {@code exp}) from the shared secret, so large connection counts need no login round trips. The users must still
 * exist in the server's database: memberships reference them.
 */
public final class JwtMinter {
    private static final String HEADER =
            base64Url("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));

    private final byte[] secret;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final Duration lifetime;

    public JwtMinter(String secret, ObjectMapper mapper, Clock clock, Duration lifetime) {
        Objects.requireNonNull(secret, "secret");
        if (secret.length() < 32) {
            throw new IllegalArgumentException("jwt-secret: " + secret.length() + " characters (expected: >= 32)");
        }
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.lifetime = Objects.requireNonNull(lifetime, "lifetime");
    }

    public String mint(String userId, String username) {
        long now = clock.instant().getEpochSecond();
        ObjectNode claims = mapper.createObjectNode()
                .put("sub", userId)
                .put("name", username)
                .put("iat", now)
                .put("exp", now + lifetime.toSeconds());
        String signingInput = HEADER + "." + base64Url(writeBytes(claims));
        return signingInput + "." + base64Url(sign(signingInput));
    }

    private byte[] writeBytes(ObjectNode node) {
        try {
            return mapper.writeValueAsBytes(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    byte[] sign(String signingInput) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static String base64Url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
