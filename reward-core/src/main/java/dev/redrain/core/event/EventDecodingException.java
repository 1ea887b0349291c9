package dev.redrain.core.event;

/**
 * A record that is not a valid event of this build. Expected input for a consumer: it
 * dead-letters the record with {@link #reason()} and goes on, it does not crash.
 */
public final class EventDecodingException extends Exception {
    /** Why a record was refused; stable names, used as the dead-letter reason. */
    public enum Reason {
        /** Not JSON, not an object, trailing data or duplicate keys. */
        MALFORMED,
        /** Larger than {@link EventSerde#RECORD_SIZE_MAX_BYTES}. */
        TOO_LARGE,
        /** No type, or a type this build does not know. */
        UNKNOWN_TYPE,
        /** A known type in a schema version this build does not read. */
        UNSUPPORTED_VERSION,
        /** The right type and version, but a field is missing, mistyped or out of range. */
        INVALID,
        /** A valid event, but not of the type the caller asked for. */
        UNEXPECTED_TYPE
    }

    private final Reason reason;

    public EventDecodingException(Reason reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
