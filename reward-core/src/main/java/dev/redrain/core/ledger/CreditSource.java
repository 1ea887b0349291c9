package dev.redrain.core.ledger;

/** Which path booked a token. Whichever comes first books it; the others find it booked. */
public enum CreditSource {
    /** The realtime credit job, from the token-issued stream. */
    STREAM,
    /** The issuance service, for a token presented at withdrawal before the stream booked it. */
    FORCE,
    /** The nightly settlement, re-crediting an issued token the stream never booked. */
    REPAIR,
    /**
     * Finance's corrective journal: a grant whose proof verifies but that nothing else
     * corroborates, booked once one reviewer proposed it and another approved it.
     */
    JOURNAL
}
