package dev.redrain.issuance.wallet;

/**
 * The payment channel that pays withdrawals out. Calls are idempotent on the payout's
 * outTradeNo: asking again for the same payout returns its first outcome, never pays twice.
 */
public interface PaymentGateway {

    /** The channel's answer. UNKNOWN (a timeout) is settled by asking again later. */
    enum Status { PAID, FAILED, UNKNOWN }

    record Payout(Status status, String channelRef, String reason) {
    }

    Payout pay(String payoutOutTradeNo, String actId, long amountMinor, String currency);
}
