package io.parley.protocol;

/** Size and range limits of the wire protocol, in one place for every process. */
public final class Limits {
    /** Largest WebSocket frame payload; larger frames close the connection with 1009. */
    public static final int MAX_FRAME_BYTES = 16 * 1024;
    /** Largest REST request body. */
    public static final int MAX_HTTP_BODY_BYTES = 16 * 1024;

    public static final int MAX_BODY_CODE_POINTS = 4000;
    public static final int MAX_CLIENT_MSG_ID_CODE_POINTS = 64;
    public static final int MAX_REF_CODE_POINTS = 64;
    public static final int DEFAULT_HISTORY_LIMIT = 50;
    public static final int MAX_HISTORY_LIMIT = 100;

    private Limits() {}
}
