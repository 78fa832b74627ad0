package io.parley.server.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * bcrypt over a SHA-256 pre-hash of the password, so every character counts even past bcrypt's 72-byte input
 * limit; Base64 keeps NUL bytes out of bcrypt's input.
 */
public final class PasswordHasher {
    private final int cost;
    private final String dummyHash;

    public PasswordHasher(int cost) {
        this.cost = cost;
        this.dummyHash = hash("timing-equaliser-password");
    }

    public String hash(String password) {
        return BCrypt.withDefaults().hashToString(cost, prehash(password));
    }

    public boolean verify(String password, String hash) {
        return BCrypt.verifyer().verify(prehash(password), hash.toCharArray()).verified;
    }

    /** Spends the time of one verification, so unknown users answer as slowly as wrong passwords. */
    public void verifyNothing(String password) {
        verify(password, dummyHash);
    }

    private static char[] prehash(String password) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(digest).toCharArray();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
