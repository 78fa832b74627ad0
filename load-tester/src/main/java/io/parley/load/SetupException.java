package io.parley.load;

/** A run could not get started (users, connections or joins failed); the CLI exits with 2. */
public final class SetupException extends RuntimeException {
    public SetupException(String message) {
        super(message);
    }
}
