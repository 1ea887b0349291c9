package dev.redrain.core.token;

/** A grant proof that does not vouch for the grant it came with. Expected from forged input. */
public final class GrantRejectedException extends Exception {
    /** Why; dead letters and settlement breaks carry the name. */
    public enum Reason {
        /** The grant carries no proof at all. */
        GRANT_PROOF_MISSING,
        /** Not in the proof's format. */
        GRANT_PROOF_MALFORMED,
        /** Made with a key id the ring does not hold (retired, or never ours). */
        GRANT_PROOF_UNKNOWN_KEY,
        /** The MAC does not match the grant's fields: forged, or a field was changed. */
        GRANT_PROOF_NOT_AUTHENTIC
    }

    private final Reason reason;

    public GrantRejectedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
