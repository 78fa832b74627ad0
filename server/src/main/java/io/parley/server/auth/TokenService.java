package io.parley.server.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.DecodedJWT;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Issues and verifies HS256 JWTs with {@code sub} = user id, {@code name} = username, {@code role} (admins only,
 * for clients to show) and {@code epoch} (the account's token epoch, which a disable raises).
 */
public final class TokenService {
    private final Algorithm algorithm;
    private final JWTVerifier verifier;
    private final Duration ttl;
    private final Clock clock;

    public TokenService(String secret, Duration ttl, Clock clock) {
        this.algorithm = Algorithm.HMAC256(Objects.requireNonNull(secret, "secret"));
        this.verifier = JWT.require(algorithm)
                .withClaimPresence("name")
                .withClaimPresence("exp")
                .build();
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public String issue(long userId, String username) {
        return issue(userId, username, false, 0);
    }

    public String issue(long userId, String username, boolean admin, int tokenEpoch) {
        Instant now = clock.instant();
        var builder = JWT.create();
        if (admin) {
            builder.withClaim("role", io.parley.protocol.User.ADMIN);
        }
        return builder.withSubject(Long.toString(userId))
                .withClaim("name", username)
                .withClaim("epoch", tokenEpoch)
                .withIssuedAt(now)
                .withExpiresAt(now.plus(ttl))
                .sign(algorithm);
    }

    /**
     * The principal a valid, unexpired token claims; empty for anything else (never says why, never logs the token).
     * Whether that user still exists is {@link UserDirectory}'s question.
     */
    public Optional<Principal> verify(String token) {
        if (token == null || token.isEmpty() || token.length() > 4096) {
            return Optional.empty();
        }
        try {
            DecodedJWT jwt = verifier.verify(token);
            long userId = Long.parseLong(jwt.getSubject());
            if (userId <= 0 || !Long.toString(userId).equals(jwt.getSubject())) {
                return Optional.empty(); // only the canonical decimal ids we issue, never "-1" or "007"
            }
            Instant expiresAt = jwt.getExpiresAtAsInstant();
            if (!expiresAt.isAfter(clock.instant())) {
                return Optional.empty();
            }
            Integer epoch = jwt.getClaim("epoch").asInt();
            // The role claim is only for clients to show: permissions come from the database (UserDirectory).
            return Optional.of(new Principal(
                    userId, jwt.getClaim("name").asString(), expiresAt, false, epoch == null ? 0 : epoch));
        } catch (JWTVerificationException | NumberFormatException | NullPointerException e) {
            return Optional.empty();
        }
    }

    /** The token of an {@code Authorization: Bearer} header value, or null. */
    public static String bearer(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return authorizationHeader.substring(7).trim();
    }
}
