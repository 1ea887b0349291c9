package dev.redrain.issuance.wallet;

/**
 * The payment channel that pays withdrawals out. Calls are idempotent on the payout's
 * outTradeNo: asking again for the same payout returns its first outcome, never pays twice.
 */
public interface PaymentGateway {

    /**
     * The channel's answer. UNKNOWN (a timeout, a lost answer) is settled by asking the
     * channel's status later ({@link PayoutResolver}). NOT_FOUND is a status answer only: the
     * channel holds no payout by that id, so the request never reached it.
     */
    enum Status { PAID, FAILED, UNKNOWN, NOT_FOUND }

    /**
     * @param amountMinor what the channel states it paid or refused, on a status answer; null
     *     when it does not say (a pay answer)
     */
    record Payout(Status status, String channelRef, String reason, Long amountMinor) {
        public Payout(Status status, String channelRef, String reason) {
            this(status, channelRef, reason, null);
        }

        static Payout unknown(String reason) {
            return new Payout(Status.UNKNOWN, null, reason);
        }
    }

    Payout pay(String payoutOutTradeNo, String actId, long amountMinor, String currency);

    /** What the channel holds for the payout, without asking it to pay. */
    Payout status(String payoutOutTradeNo);
}
