package dev.redrain.issuance.wallet;

import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.ledger.LedgerReads;
import dev.redrain.core.ledger.WalletLedger;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Money the bank sent back after the channel paid a withdrawal out (a REFUND line on the
 * channel's statement): it goes back to the user's wallet, once, when finance approves it.
 * Only a withdrawal this service paid, under the payout id the statement names, with the
 * channel's successful refund lines for that id adding up to the whole withdrawal, can be
 * returned; the amount is the withdrawal's, nobody's say.
 */
@Component
public class PayoutReturns {
    private final JdbcTemplate jdbc;
    private final WalletLedger wallets;
    private final OutTradeNoGenerator outTradeNos;

    PayoutReturns(JdbcTemplate jdbc, WalletLedger wallets, OutTradeNoGenerator outTradeNos) {
        this.jdbc = jdbc;
        this.wallets = wallets;
        this.outTradeNos = outTradeNos;
    }

    /** A returned payout as the stores prove it. */
    public record Returned(long withdrawalId, String payoutOutTradeNo, String debitOutTradeNo,
            String actId, String currency, long amountMinor) {
        /** The journal that gives the money back: one per debit, so it is booked once. */
        String returnOutTradeNo() {
            return debitOutTradeNo + "-RET";
        }
    }

    /**
     * The return the stores prove for this payout id, or empty with no proof: no withdrawal
     * paid under that id, or no successful refund of all of it on the statement.
     */
    public Optional<Returned> prove(String payoutOutTradeNo) {
        List<Returned> paid = jdbc.query("SELECT withdrawal_id, debit_out_trade_no, act_id,"
                + " currency, amount_minor FROM wallet_withdrawal WHERE payout_out_trade_no = ?"
                + " AND status IN ('PAID', 'REVERSED')", (rs, n) -> new Returned(rs.getLong(1),
                        payoutOutTradeNo, rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getLong(5)), payoutOutTradeNo);
        if (paid.size() != 1 || !paid.get(0).debitOutTradeNo().equals("WD-" + paid.get(0)
                .withdrawalId() + payoutOutTradeNo.substring(payoutOutTradeNo.lastIndexOf(
                        '-')))) {
            return Optional.empty();
        }
        Returned withdrawal = paid.get(0);
        Long refunded = jdbc.queryForObject("SELECT SUM(amount_minor) FROM"
                + " settlement_statement_line WHERE out_trade_no = ? AND payment_kind = 'REFUND'"
                + " AND channel_status = 'SUCCESS' AND currency = ?", Long.class,
                payoutOutTradeNo, withdrawal.currency());
        // A bank returns a payout whole; any other amount is the channel's to explain.
        if (refunded == null || refunded != withdrawal.amountMinor()) {
            return Optional.empty();
        }
        return Optional.of(withdrawal);
    }

    /**
     * Books the return from payout clearing to the wallet and marks the withdrawal REVERSED.
     * Once, whatever races it: the journal's outTradeNo is the debit's, and the status moves
     * only from PAID. Returns the ledger's journal id.
     */
    public long returnToWallet(Returned returned) {
        WalletLedger.Status status = wallets.reverseWithdrawal(returned.returnOutTradeNo(),
                returned.actId(), WalletService.cash(returned.amountMinor()),
                OutTradeNoGenerator.businessDate(outTradeNos.next()));
        if (status == WalletLedger.Status.INSUFFICIENT_BALANCE) {
            throw new IllegalStateException("payout clearing cannot return "
                    + returned.amountMinor() + " for " + returned.payoutOutTradeNo());
        }
        jdbc.update("UPDATE wallet_withdrawal SET status = 'REVERSED', failure_reason = ?,"
                + " updated_at = CURRENT_TIMESTAMP(3) WHERE withdrawal_id = ? AND status ="
                + " 'PAID'", "returned by the bank; given back to the wallet",
                returned.withdrawalId());
        return jdbc.execute((ConnectionCallback<Long>) connection -> new LedgerReads()
                .journalId(connection, returned.returnOutTradeNo()).orElseThrow());
    }
}
