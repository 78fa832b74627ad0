package io.parley.server;

import io.parley.protocol.ErrorCode;
import java.util.Objects;

/** A request that fails with one of the protocol's error codes; thrown by services, answered by either transport. */
public final class ApiException extends RuntimeException {
    private final ErrorCode code;
    private final Long retryAfterMs;

    public ApiException(ErrorCode code, String message) {
        this(code, message, null);
    }

    public ApiException(ErrorCode code, String message, Long retryAfterMs) {
        super(message, null, false, false);
        this.code = Objects.requireNonNull(code, "code");
        this.retryAfterMs = retryAfterMs;
    }

    /** How long to wait before retrying, with {@code rate_limited}; else null. */
    public Long retryAfterMs() {
        return retryAfterMs;
    }

    public ErrorCode code() {
        return code;
    }
}
