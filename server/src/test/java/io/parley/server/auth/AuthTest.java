package io.parley.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class AuthTest {
    private static final String SECRET = "unit-test-secret-unit-test-secret!";

    @Test
    void issuedTokensVerifyAndCarryIdAndName() {
        TokenService tokens = new TokenService(SECRET, Duration.ofHours(24), Clock.systemUTC());
        Principal p = tokens.verify(tokens.issue(17, "Alice")).orElseThrow();
        assertThat(p.id()).isEqualTo("17");
        assertThat(p.username()).isEqualTo("Alice");
        assertThat(p.expiresAt()).isAfter(Instant.now().plus(Duration.ofHours(23)));
    }

    @Test
    void tokensCarryTheTokenEpochAndTheRoleOnlyForClientsToShow() {
        TokenService tokens = new TokenService(SECRET, Duration.ofHours(24), Clock.systemUTC());
        String token = tokens.issue(17, "Alice", true, 3);
        Principal p = tokens.verify(token).orElseThrow();
        assertThat(p.tokenEpoch()).isEqualTo(3);
        assertThat(p.admin())
                .as("permissions come from the database, never the token")
                .isFalse();
        assertThat(JWT.decode(token).getClaim("role").asString()).isEqualTo("admin");
        assertThat(JWT.decode(tokens.issue(18, "Bob")).getClaim("role").isMissing())
                .isTrue();
        assertThat(tokens.verify(tokens.issue(18, "Bob")).orElseThrow().tokenEpoch())
                .isZero();
    }

    @Test
    void refusesExpiredForgedAndMalformedTokens() {
        TokenService past = new TokenService(
                SECRET, Duration.ofSeconds(10), Clock.fixed(Instant.now().minus(Duration.ofHours(1)), ZoneOffset.UTC));
        TokenService now = new TokenService(SECRET, Duration.ofHours(1), Clock.systemUTC());
        assertThat(now.verify(past.issue(1, "a"))).isEmpty();
        String forged = JWT.create()
                .withSubject("1")
                .withClaim("name", "a")
                .withExpiresAt(Instant.now().plusSeconds(60))
                .sign(Algorithm.HMAC256("other-secret-other-secret-other!"));
        assertThat(now.verify(forged)).isEmpty();
        String none = JWT.create()
                .withSubject("1")
                .withClaim("name", "a")
                .withExpiresAt(Instant.now().plusSeconds(60))
                .sign(Algorithm.none());
        assertThat(now.verify(none)).isEmpty();
        assertThat(now.verify("a.b.c")).isEmpty();
        assertThat(now.verify(null)).isEmpty();
        assertThat(TokenService.bearer("Basic abc")).isNull();
        assertThat(TokenService.bearer("bearer xyz")).isEqualTo("xyz");
    }

    @Test
    void passwordsDifferingPastBcryptsLimitAreDifferent() {
        PasswordHasher hasher = new PasswordHasher(4);
        String base = "é".repeat(60); // 120 bytes of UTF-8: past bcrypt's 72
        String hash = hasher.hash(base + "1");
        assertThat(hash).startsWith("$2a$04$");
        assertThat(hasher.verify(base + "1", hash)).isTrue();
        assertThat(hasher.verify(base + "2", hash)).isFalse();
    }
}
