package io.parley.load.users;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Base64;

/** Reads the expiry of a JWT without verifying it, to decide whether a cached token is still usable. */
public final class Tokens {
    private Tokens() {}

    /** The {@code exp} claim in epoch seconds, or 0 when the token cannot be read. */
    public static long expiresAt(ObjectMapper mapper, String token) {
        String[] parts = token.split("\\.");
        if (parts.length != 3) {
            return 0;
        }
        try {
            JsonNode claims = mapper.readTree(Base64.getUrlDecoder().decode(parts[1]));
            return claims.path("exp").asLong(0);
        } catch (IOException | IllegalArgumentException e) {
            return 0;
        }
    }
}
