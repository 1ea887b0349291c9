package dev.redrain.settlement;

import java.time.Instant;

/**
 * What each of the three legs says about one outTradeNo. A missing leg is null.
 *
 * @param redis the token's state in Redis (staged for the business date)
 * @param ledger the ledger's TOKEN_CREDIT journal
 * @param payment the channel's successful FUNDING records (count and sum)
 */
public record Legs(String outTradeNo, Redis redis, Ledger ledger, Payment payment) {
    /** The ledger leg's status of a token its budget guard refused. */
    public static final String REFUSED_OVER_BUDGET = "OVER_BUDGET";

    public record Redis(String status, long amountMinor, String currency, String actId,
            String activityId, String stage, String awardType, Instant issuedAt) {
    }

    /**
     * @param status a withdrawal's status when this leg is a payout's; for a token, null when
     *     the ledger booked it, {@link #REFUSED_OVER_BUDGET} when its budget guard refused it
     */
    public record Ledger(long amountMinor, String currency, String actId, String activityId,
            String stage, String awardType, String status) {

        public Ledger(long amountMinor, String currency, String actId, String activityId,
                String stage, String awardType) {
            this(amountMinor, currency, actId, activityId, stage, awardType, null);
        }

        /** The ledger refused the token (ledger_refusal): nothing is booked. */
        public boolean refused() {
            return REFUSED_OVER_BUDGET.equals(status);
        }
    }

    /**
     * @param maxAmountMinor the largest single record, to size a duplicate's extra money
     * @param feeMinor the channel's fees on the records (on their lines and on lines of their own)
     * @param refundedMinor what the bank returned of a payout (REFUND lines)
     * @param contractFeeMinor the contract's fee of each record, added up (a token funded in
     *     parts owes the fee of each part); null where the query does not give it
     */
    public record Payment(int count, long sumMinor, long maxAmountMinor, String currency,
            long feeMinor, long refundedMinor, Long contractFeeMinor) {

        public Payment(int count, long sumMinor, long maxAmountMinor, String currency,
                long feeMinor, long refundedMinor) {
            this(count, sumMinor, maxAmountMinor, currency, feeMinor, refundedMinor, null);
        }

        /** Records without fees or refunds, as Redrain's own statement has them. */
        public Payment(int count, long sumMinor, long maxAmountMinor, String currency) {
            this(count, sumMinor, maxAmountMinor, currency, 0, 0);
        }
    }

    String currency() {
        return ledger != null ? ledger.currency() : redis != null ? redis.currency()
                : payment.currency();
    }

    String actId() {
        return ledger != null ? ledger.actId() : redis != null ? redis.actId() : null;
    }

    String activityId() {
        return ledger != null ? ledger.activityId() : redis != null ? redis.activityId() : null;
    }

    String stage() {
        return ledger != null ? ledger.stage() : redis != null ? redis.stage() : null;
    }

    String awardType() {
        return ledger != null ? ledger.awardType() : redis != null ? redis.awardType() : null;
    }
}
