package dev.redrain.core.token;

/**
 * A token string that does not decode to a genuine token for the presenting owner. Expected
 * input from an untrusted client: callers answer it with a 4xx, never a 5xx.
 */
public final class TokenRejectedException extends Exception {
    /** Why a token was rejected. Deliberately coarse: it must not help a forger. */
    public enum Reason {
        /** Not a token at all: empty, too long, not canonical URL-safe base64, too short. */
        MALFORMED,
        /** A format version this build does not read. */
        UNSUPPORTED_VERSION,
        /** Encrypted under a key id the key ring does not hold (retired or never issued). */
        UNKNOWN_KEY,
        /** The authentication tag does not verify: tampered, or bound to another actId. */
        NOT_AUTHENTIC
    }

    private final Reason reason;

    public TokenRejectedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
