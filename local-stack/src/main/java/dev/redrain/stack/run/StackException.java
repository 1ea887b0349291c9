package dev.redrain.stack.run;

/** A reason the stack cannot go on that the user can act on: printed without a stack trace. */
public final class StackException extends RuntimeException {
    public StackException(String message) {
        super(message);
    }

    public StackException(String message, Throwable cause) {
        super(message, cause);
    }
}
