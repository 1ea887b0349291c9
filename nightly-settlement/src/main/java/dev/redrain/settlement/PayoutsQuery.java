package dev.redrain.settlement;

import java.time.LocalDate;
import org.springframework.jdbc.core.RowMapper;

/**
 * The night's withdrawals against the channel's PAYOUT lines: every payout the wallet debited
 * that day, every PAYOUT or REFUND line of the day's statement, and the open payout breaks of
 * earlier nights, each with both legs, in payout-number order. The payment leg counts the
 * successful PAYOUT lines, and carries the payout's fees (on its lines and on FEE lines naming
 * it), the contract's fee of each line, and what the bank returned of it.
 */
final class PayoutsQuery {
    /** A token outTradeNo (date and time digits, then the instance); payouts are not. */
    static final String TOKEN_NUMBER = "'^[0-9]{20}[0-9A-Z]{10}$'";

    private static final String PAID = "payment_kind = 'PAYOUT' AND channel_status = 'SUCCESS'";

    static final String SQL = "SELECT k.no, w.act_id, w.currency, w.amount_minor, w.status,"
            + " p.records, p.total, p.biggest, p.currency p_currency, p.fee, p.refunded,"
            + " p.contract_fee FROM ("
            + "   SELECT payout_out_trade_no no FROM wallet_payout WHERE debit_business_date = ?"
            + "     AND payout_out_trade_no IS NOT NULL"
            + "   UNION SELECT out_trade_no FROM payment_record WHERE business_date = ?"
            + "     AND payment_kind IN ('PAYOUT', 'REFUND')"
            + "   UNION SELECT out_trade_no FROM recon_break WHERE status IN ('OPEN', 'EXPECTED')"
            + "     AND first_seen_date < ? AND out_trade_no NOT REGEXP " + TOKEN_NUMBER
            + " ) k"
            + " LEFT JOIN wallet_payout w ON w.payout_out_trade_no = k.no"
            + " LEFT JOIN (SELECT out_trade_no, SUM(" + PAID + ") records,"
            + "   SUM(IF(" + PAID + ", amount_minor, 0)) total,"
            + "   MAX(IF(" + PAID + ", amount_minor, 0)) biggest, MIN(currency) currency,"
            + "   SUM(IF(" + PAID + ", fee_minor, 0)"
            + "     + IF(payment_kind = 'FEE', amount_minor, 0)) fee,"
            + "   SUM(IF(payment_kind = 'REFUND' AND channel_status = 'SUCCESS', amount_minor, 0))"
            + "   refunded,"
            // The contract's fee line by line (FeeSchedule: half up), for a payout in parts.
            + "   SUM(IF(" + PAID + ", (amount_minor * ? + 500000) DIV 1000000, 0)) contract_fee"
            + "   FROM payment_record WHERE payment_kind IN ('PAYOUT', 'FEE', 'REFUND')"
            + "   GROUP BY out_trade_no) p ON p.out_trade_no = k.no"
            + " ORDER BY k.no";

    /** The withdrawal stands in the ledger leg, its status as the leg's status. */
    static final RowMapper<Legs> ROW = (rs, row) -> new Legs(rs.getString("no"), null,
            rs.getString("status") == null ? null : new Legs.Ledger(rs.getLong("amount_minor"),
                    rs.getString("currency"), rs.getString("act_id"), null, null, "PAYOUT",
                    rs.getString("status")),
            rs.getString("p_currency") == null ? null : new Legs.Payment(rs.getInt("records"),
                    rs.getLong("total"), rs.getLong("biggest"), rs.getString("p_currency"),
                    rs.getLong("fee"), rs.getLong("refunded"), rs.getLong("contract_fee")));

    private PayoutsQuery() {
    }

    static Object[] arguments(LocalDate date, long payoutFeePpm) {
        return new Object[] {date, date, date, payoutFeePpm};
    }
}
