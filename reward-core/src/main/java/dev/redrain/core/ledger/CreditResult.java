package dev.redrain.core.ledger;

/**
 * What the ledger did with one {@link CreditRequest}.
 *
 * @param journalId the journal that books this outTradeNo (this call's or an earlier one's);
 *     0 for {@link Status#CONFLICT} and {@link Status#OVER_BUDGET}
 * @param bookedBy the path that booked it
 */
public record CreditResult(String outTradeNo, Status status, long journalId,
        CreditSource bookedBy) {

    public enum Status {
        /** Booked by this call. */
        CREDITED,
        /** Booked before (by this or another path) with the same content: nothing changed. */
        ALREADY_CREDITED,
        /**
         * The outTradeNo is booked with a different owner, amount, asset or activity. Nothing
         * changed; the request is wrong or forged and needs a person.
         */
        CONFLICT,
        /**
         * Not booked: it would draw its activity stage's budget account beyond the budgets of
         * that stage's templates in its asset (raises included). Nothing changed. A second
         * guard behind Redis's budget counters, which the ledger does not trust.
         */
        OVER_BUDGET
    }

    /** True when the token is in the ledger now, booked by whichever path. */
    public boolean isBooked() {
        return status == Status.CREDITED || status == Status.ALREADY_CREDITED;
    }
}
