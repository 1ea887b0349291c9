package dev.redrain.core.token;

/** The life of a reward token. The byte code is the token format's encoding: never change it. */
public enum TokenStatus {
    /** Budget reserved and token handed to the client; not yet in the ledger. */
    ISSUED((byte) 1),
    /** Booked in the ledger (by the credit job, a forced credit or a repair). */
    CREDITED((byte) 2);

    private final byte code;

    TokenStatus(byte code) {
        this.code = code;
    }

    public byte code() {
        return code;
    }

    public static TokenStatus fromCode(byte code) {
        for (TokenStatus status : values()) {
            if (status.code == code) {
                return status;
            }
        }
        throw new IllegalArgumentException("unknown token status code " + code);
    }
}
