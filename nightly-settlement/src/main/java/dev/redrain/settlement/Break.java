package dev.redrain.settlement;

/**
 * One disagreement between the legs about one outTradeNo.
 *
 * @param legs the legs that disagree, e.g. {@code REDIS,LEDGER}
 * @param amountMinor the money at stake (always positive)
 */
public record Break(Legs of, Category category, String legs, long amountMinor) {

    /** Break categories; recon_break.category holds their names. */
    public enum Category {
        ISSUED_NOT_CREDITED, CREDITED_NOT_ISSUED, CREDITED_NOT_PAID, PAID_NOT_CREDITED,
        AMOUNT_MISMATCH, DUPLICATE, STATUS_MISMATCH,
        /**
         * A token the ledger refused to book: it would have drawn its activity stage beyond the
         * budget operators set (the ledger's own guard, behind Redis's counters).
         */
        OVER_BUDGET,
        /** The channel's fee on a line differs from what the contract gives. */
        FEE_MISMATCH,
        /** The bank returned a payout the wallet counts as paid: the user's money is owed back. */
        PAYOUT_RETURNED;

        /** Categories the job repairs by itself; the others stay open for finance. */
        boolean isSafeToRepair() {
            return this == ISSUED_NOT_CREDITED || this == STATUS_MISMATCH;
        }

        /** Who acts on a break of this category. */
        String owner() {
            return switch (this) {
                case ISSUED_NOT_CREDITED, STATUS_MISMATCH -> "AUTO_REPAIR";
                case CREDITED_NOT_ISSUED, AMOUNT_MISMATCH -> "ENGINEERING";
                case CREDITED_NOT_PAID, PAID_NOT_CREDITED, DUPLICATE, OVER_BUDGET, FEE_MISMATCH,
                        PAYOUT_RETURNED -> "FINANCE";
            };
        }
    }
}
