package io.parley.server.auth;

/** Counts failed logins per subject in a one-minute window: in Redis ({@link LoginThrottle}) or in-process. */
public interface LoginAttempts {
    /** Milliseconds until the subject may try again, or 0 when it may now. */
    long retryAfterMs(String subject);

    void failed(String subject);
}
