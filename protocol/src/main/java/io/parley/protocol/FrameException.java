package io.parley.protocol;

/** A client frame or request that cannot be accepted, with the error code to answer and the ref to answer it under. */
public final class FrameException extends Exception {
    private final ErrorCode code;
    private final String ref;

    public FrameException(ErrorCode code, String message, String ref) {
        super(message, null, false, false);
        this.code = code;
        this.ref = ref;
    }

    public ErrorCode code() {
        return code;
    }

    public String ref() {
        return ref;
    }
}
