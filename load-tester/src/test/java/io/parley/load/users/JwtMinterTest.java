package io.parley.load.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.parley.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class JwtMinterTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef";
    private final ObjectMapper mapper = Json.newMapper();
    private final JwtMinter minter = new JwtMinter(
            SECRET, mapper, Clock.fixed(Instant.ofEpochSecond(1_800_000_000L), ZoneOffset.UTC), Duration.ofHours(24));

    @Test
    void mintsAnHs256TokenWithTheServersClaims() throws Exception {
        String[] parts = minter.mint("17", "alice").split("\\.");
        assertThat(parts).hasSize(3);
        JsonNode header = mapper.readTree(Base64.getUrlDecoder().decode(parts[0]));
        JsonNode claims = mapper.readTree(Base64.getUrlDecoder().decode(parts[1]));
        assertThat(header.path("alg").asText()).isEqualTo("HS256");
        assertThat(claims.path("sub").isTextual()).isTrue();
        assertThat(claims.path("sub").asText()).isEqualTo("17");
        assertThat(claims.path("name").asText()).isEqualTo("alice");
        assertThat(claims.path("iat").asLong()).isEqualTo(1_800_000_000L);
        assertThat(claims.path("exp").asLong()).isEqualTo(1_800_000_000L + 86_400);
    }

    @Test
    void signsWithHmacSha256OfTheSecret() throws Exception {
        String token = minter.mint("17", "alice");
        int dot = token.lastIndexOf('.');
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] expected = mac.doFinal(token.substring(0, dot).getBytes(StandardCharsets.US_ASCII));
        assertThat(Base64.getUrlDecoder().decode(token.substring(dot + 1))).isEqualTo(expected);
    }

    @Test
    void tokensTellTheirExpiry() {
        assertThat(Tokens.expiresAt(mapper, minter.mint("1", "bob"))).isEqualTo(1_800_000_000L + 86_400);
        assertThat(Tokens.expiresAt(mapper, "not-a-token")).isZero();
    }

    @Test
    void refusesAShortSecret() {
        assertThatThrownBy(() -> new JwtMinter("short", mapper, Clock.systemUTC(), Duration.ofHours(1)))
                .hasMessageContaining("expected: >= 32");
    }
}
