package dev.redrain.settlement;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import org.springframework.jdbc.core.RowMapper;

/**
 * The three legs of every outTradeNo of a business date in a range of hash buckets, one row per
 * outTradeNo in outTradeNo order (what a restarted reader counts on). The date selects the
 * ledger journals and payment records by the outTradeNo's date prefix, so a token funded by the
 * next day's statement still meets its ledger journal.
 */
final class LegsQuery {
    private static final DateTimeFormatter PREFIX = DateTimeFormatter.ofPattern("yyyyMMdd");

    static final String SQL = "SELECT k.out_trade_no,"
            + " r.status r_status, r.amount_minor r_amount, r.currency r_currency, r.act_id r_act,"
            + " r.activity_id r_activity, r.stage r_stage, r.award_type r_award, r.issued_at,"
            + " j.amount_minor j_amount, j.currency j_currency, j.act_id j_act,"
            + " j.activity_id j_activity, j.stage j_stage, j.award_type j_award,"
            + " x.amount_minor x_amount, x.currency x_currency, x.act_id x_act,"
            + " x.activity_id x_activity, x.stage x_stage, x.award_type x_award,"
            + " p.records p_records, p.total p_total, p.biggest p_biggest, p.currency p_currency,"
            + " p.fee p_fee, p.contract_fee p_contract_fee"
            + " FROM ("
            + "   SELECT out_trade_no FROM recon_redis_token"
            + "    WHERE business_date = ? AND bucket BETWEEN ? AND ?"
            + "   UNION SELECT out_trade_no FROM ledger_booking"
            + "    WHERE out_trade_no LIKE ? AND CRC32(out_trade_no) % ? BETWEEN ? AND ?"
            + "   UNION SELECT out_trade_no FROM payment_record"
            + "    WHERE out_trade_no LIKE ? AND payment_kind = 'FUNDING'"
            + "      AND channel_status = 'SUCCESS' AND CRC32(out_trade_no) % ? BETWEEN ? AND ?"
            + " ) k"
            + " LEFT JOIN recon_redis_token r ON r.business_date = ?"
            + "   AND r.bucket = CRC32(k.out_trade_no) % ? AND r.out_trade_no = k.out_trade_no"
            + " LEFT JOIN ledger_booking j ON j.out_trade_no = k.out_trade_no"
            + " LEFT JOIN ledger_refused_credit x ON x.out_trade_no = k.out_trade_no"
            + " LEFT JOIN (SELECT out_trade_no, COUNT(*) records, SUM(amount_minor) total,"
            + "     MAX(amount_minor) biggest, MIN(currency) currency, SUM(fee_minor) fee,"
            // The contract's fee line by line (FeeSchedule: half up), for a token in parts.
            + "     SUM((amount_minor * ? + 500000) DIV 1000000) contract_fee"
            + "     FROM payment_record"
            + "    WHERE out_trade_no LIKE ? AND payment_kind = 'FUNDING'"
            + "      AND channel_status = 'SUCCESS' AND CRC32(out_trade_no) % ? BETWEEN ? AND ?"
            + "    GROUP BY out_trade_no) p ON p.out_trade_no = k.out_trade_no"
            + " ORDER BY k.out_trade_no";

    private LegsQuery() {
    }

    static Object[] arguments(LocalDate date, int buckets, int low, int high,
            long fundingFeePpm) {
        String prefix = PREFIX.format(date) + "%";
        return new Object[] {date, low, high, prefix, buckets, low, high, prefix, buckets, low,
            high, date, buckets, fundingFeePpm, prefix, buckets, low, high};
    }

    static final RowMapper<Legs> ROW = (rs, row) -> new Legs(rs.getString("out_trade_no"),
            redis(rs), ledger(rs), payment(rs));

    private static Legs.Redis redis(ResultSet rs) throws SQLException {
        if (rs.getString("r_status") == null) {
            return null;
        }
        Timestamp issued = rs.getTimestamp("issued_at");
        return new Legs.Redis(rs.getString("r_status"), rs.getLong("r_amount"),
                rs.getString("r_currency"), rs.getString("r_act"), rs.getString("r_activity"),
                rs.getString("r_stage"), rs.getString("r_award"),
                issued == null ? null : issued.toInstant());
    }

    private static Legs.Ledger ledger(ResultSet rs) throws SQLException {
        if (rs.getString("j_currency") == null) {
            if (rs.getString("x_currency") == null) {
                return null;
            }
            return new Legs.Ledger(rs.getLong("x_amount"), rs.getString("x_currency"),
                    rs.getString("x_act"), rs.getString("x_activity"), rs.getString("x_stage"),
                    rs.getString("x_award"), Legs.REFUSED_OVER_BUDGET);
        }
        return new Legs.Ledger(rs.getLong("j_amount"), rs.getString("j_currency"),
                rs.getString("j_act"), rs.getString("j_activity"), rs.getString("j_stage"),
                rs.getString("j_award"));
    }

    private static Legs.Payment payment(ResultSet rs) throws SQLException {
        int records = rs.getInt("p_records");
        if (records == 0) {
            return null;
        }
        return new Legs.Payment(records, rs.getLong("p_total"), rs.getLong("p_biggest"),
                rs.getString("p_currency"), rs.getLong("p_fee"), 0,
                rs.getLong("p_contract_fee"));
    }
}
