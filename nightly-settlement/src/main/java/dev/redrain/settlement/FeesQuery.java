package dev.redrain.settlement;

import org.springframework.jdbc.core.RowMapper;

/**
 * The fees charged on lines of their own that name no token: every FEE line and payout batch
 * of the night's statement, and the open batch-fee breaks of earlier nights, one row per
 * reference with what the channel charged for it. A fee naming a withdrawal's payout is the
 * payouts' match's ({@link PayoutsQuery}); this one checks the batches' fees against the
 * contract and finds fees that name nothing.
 */
final class FeesQuery {
    /** One reference a fee may be charged for. */
    record FeeLeg(String reference, String currency, boolean batch, boolean payout,
            long chargedMinor) {
    }

    static final String SQL = "SELECT k.ref, b.currency b_currency, f.currency f_currency,"
            + " COALESCE(f.charged, 0) charged, w.payout_out_trade_no payout FROM ("
            + "   SELECT out_trade_no ref FROM payment_record WHERE business_date = ?"
            + "     AND payment_kind IN ('FEE', 'PAYOUT_BATCH')"
            + "   UNION SELECT out_trade_no FROM recon_break WHERE status IN ('OPEN', 'EXPECTED')"
            + "     AND category = 'FEE_MISMATCH' AND first_seen_date < ?"
            + "     AND out_trade_no NOT REGEXP " + PayoutsQuery.TOKEN_NUMBER
            + " ) k"
            + " LEFT JOIN (SELECT out_trade_no, MIN(currency) currency FROM payment_record"
            + "   WHERE payment_kind = 'PAYOUT_BATCH' GROUP BY out_trade_no) b"
            + "   ON b.out_trade_no = k.ref"
            + " LEFT JOIN (SELECT out_trade_no, MIN(currency) currency, SUM(amount_minor) charged"
            + "   FROM payment_record WHERE payment_kind = 'FEE' GROUP BY out_trade_no) f"
            + "   ON f.out_trade_no = k.ref"
            + " LEFT JOIN (SELECT DISTINCT payout_out_trade_no FROM wallet_payout"
            + "   WHERE payout_out_trade_no IS NOT NULL) w ON w.payout_out_trade_no = k.ref"
            + " ORDER BY k.ref";

    static final RowMapper<FeeLeg> ROW = (rs, row) -> {
        String batchCurrency = rs.getString("b_currency");
        String feeCurrency = rs.getString("f_currency");
        return new FeeLeg(rs.getString("ref"), batchCurrency != null ? batchCurrency
                : feeCurrency, batchCurrency != null, rs.getString("payout") != null,
                rs.getLong("charged"));
    };

    private FeesQuery() {
    }
}
