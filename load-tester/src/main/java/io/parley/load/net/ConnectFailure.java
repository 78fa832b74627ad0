package io.parley.load.net;

/** Why a connection never became ready; {@code reason} is a short key for counting (e.g. {@code http_401}). */
public final class ConnectFailure extends RuntimeException {
    private final String reason;

    public ConnectFailure(String reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }

    /** The reason of any throwable that ended a connect, unwrapping completion wrappers. */
    public static String reasonOf(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException
                        || c instanceof java.util.concurrent.ExecutionException)
                && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof ConnectFailure f) {
            return f.reason();
        }
        return c.getClass().getSimpleName();
    }
}
