package dev.redrain.issuance.wallet;

import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.ledger.WalletLedger;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Applies the channel's answer for a withdrawal's payout, whoever asked: the withdrawal's own
 * request, its retry, or {@link PayoutResolver}. Every change is made only if the row is still
 * DEBITED at that debit, and a refusal's return to the wallet is booked under one outTradeNo
 * per debit, so concurrent askers of one payout agree and the money moves once.
 */
@Component
class PayoutOutcomes {
    private final JdbcTemplate jdbc;
    private final WalletLedger wallets;
    private final OutTradeNoGenerator outTradeNos;

    PayoutOutcomes(JdbcTemplate jdbc, WalletLedger wallets, OutTradeNoGenerator outTradeNos) {
        this.jdbc = jdbc;
        this.wallets = wallets;
        this.outTradeNos = outTradeNos;
    }

    /**
     * The payout's id at the channel for a debit {@code WD-<id>-<attempt>}: {@code
     * PO-<id>-<attempt>}. One payout id per debit: an unknown answer is asked again under the
     * same id; a refused one is never reused.
     */
    static String payoutId(long withdrawalId, String debitOutTradeNo) {
        return "PO-" + withdrawalId + debitOutTradeNo.substring(debitOutTradeNo.lastIndexOf('-'));
    }

    /** Settles the withdrawal at {@code debit} by a clear answer; records an unclear one. */
    void apply(long withdrawalId, String actId, long amountMinor, String debit,
            PaymentGateway.Payout payout) {
        String payoutId = payoutId(withdrawalId, debit);
        switch (payout.status()) {
            case PAID -> jdbc.update("UPDATE wallet_withdrawal SET status = 'PAID',"
                    + " payout_out_trade_no = ?, channel_ref = ?, failure_reason = NULL,"
                    + " updated_at = CURRENT_TIMESTAMP(3) WHERE withdrawal_id = ? AND status ="
                    + " 'DEBITED' AND debit_out_trade_no = ?", payoutId, payout.channelRef(),
                    withdrawalId, debit);
            case FAILED -> {
                wallets.reverseWithdrawal(debit + "-R", actId, WalletService.cash(amountMinor),
                        OutTradeNoGenerator.businessDate(outTradeNos.next()));
                jdbc.update("UPDATE wallet_withdrawal SET status = 'PAYOUT_FAILED',"
                        + " payout_out_trade_no = ?, failure_reason = ?, updated_at ="
                        + " CURRENT_TIMESTAMP(3) WHERE withdrawal_id = ? AND status = 'DEBITED'"
                        + " AND debit_out_trade_no = ?", payoutId, payout.reason(),
                        withdrawalId, debit);
            }
            // The time of the last ask: the resolver asks again after its quiet time.
            case UNKNOWN, NOT_FOUND -> jdbc.update("UPDATE wallet_withdrawal SET"
                    + " payout_out_trade_no = ?, failure_reason = ?, updated_at ="
                    + " CURRENT_TIMESTAMP(3) WHERE withdrawal_id = ? AND status = 'DEBITED' AND"
                    + " debit_out_trade_no = ?", payoutId,
                    "payout outcome unknown (" + truncate(payout.reason()) + "); the resolver"
                    + " asks the channel", withdrawalId, debit);
        }
    }

    private static String truncate(String reason) {
        String text = reason == null ? "no answer" : reason;
        return text.length() > 120 ? text.substring(0, 120) : text;
    }
}
