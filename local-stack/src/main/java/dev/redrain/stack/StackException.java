package dev.redrain.stack;

/** A reason the stack cannot go on that the user can act on: printed without a stack trace. */
final class StackException extends RuntimeException {
    StackException(String message) {
        super(message);
    }

    StackException(String message, Throwable cause) {
        super(message, cause);
    }
}
