package dev.redrain.settlement.statement;

import java.time.Instant;

/**
 * One detail line of a channel's statement, whatever the file's format, as the import stores
 * it in {@code payment_record}.
 *
 * @param reference what the line is about: the token's outTradeNo (FUNDING), the payout's id
 *     (PAYOUT, REFUND), or the payout batch's number (PAYOUT_BATCH, and a FEE charged for a
 *     batch)
 * @param channelRef the channel's own id of the line, unique across its statements
 * @param amountMinor the gross amount in minor units, what the ledger matches; for a FEE line,
 *     the fee it charges
 * @param feeMinor the channel's fee on this line, in minor units (0 when it charges none, and on
 *     a FEE line, whose amount is the fee)
 * @param batchRef the payout batch a PAYOUT item belongs to, or null
 * @param lineNumber the line's number in the file, for finance and for import errors
 */
public record StatementLine(Kind kind, String reference, String channelRef, long amountMinor,
        long feeMinor, String currency, String status, Instant paidAt, String batchRef,
        int lineNumber) {

    /** payment_record.payment_kind holds their names. */
    public enum Kind {
        /** The channel moved a credited cash token's money from the funding account. */
        FUNDING,
        /** One withdrawal paid out (an item of a batch in a batched bill). */
        PAYOUT,
        /** The transfer of a batch of payouts: it ties to its items, never matched itself. */
        PAYOUT_BATCH,
        /** A fee charged on a line of its own. */
        FEE,
        /** The bank returned a payout the channel had paid. */
        REFUND
    }

    public static final String SUCCESS = "SUCCESS";
    public static final String FAILED = "FAILED";
    /** A batch some of whose items failed. */
    public static final String PARTIAL = "PARTIAL";
}
