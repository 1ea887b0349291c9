package dev.redrain.issuance;

import java.time.LocalDate;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The settlement's rows as the nightly settlement writes them, for tests of what finance does
 * with them (the settlement itself runs in its own module's tests).
 */
final class SettlementRows {
    private final JdbcTemplate jdbc;

    SettlementRows(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** An OPEN break between the ledger and the channel. */
    long openBreak(String outTradeNo, String category, long amountMinor, LocalDate night) {
        jdbc.update("INSERT INTO recon_break (out_trade_no, category, legs, currency,"
                + " amount_minor, first_seen_date, last_seen_date, last_seen_run, status, owner)"
                + " VALUES (?, ?, 'LEDGER,PAYMENT', 'CNY', ?, ?, ?, 0, 'OPEN', 'FINANCE')",
                outTradeNo, category, amountMinor, night, night);
        return breakId(outTradeNo);
    }

    /** A PAYOUT_RETURNED break on a payout id, with whatever amount the test says. */
    long returnedBreak(String payoutNo, String actId, long amountMinor, LocalDate night) {
        jdbc.update("INSERT INTO recon_break (out_trade_no, act_id, category, legs, currency,"
                + " amount_minor, first_seen_date, last_seen_date, last_seen_run, status, owner)"
                + " VALUES (?, ?, 'PAYOUT_RETURNED', 'LEDGER,PAYMENT', 'CNY', ?, ?, ?, 0, 'OPEN',"
                + " 'FINANCE')", payoutNo, actId, amountMinor, night, night);
        return breakId(payoutNo);
    }

    /** A successful line of the channel's statement, as imported. */
    void statementLine(String kind, String outTradeNo, long amountMinor, LocalDate night) {
        jdbc.update("INSERT INTO payment_record (payment_kind, out_trade_no, channel_ref,"
                + " amount_minor, currency, channel_status, paid_at, business_date, source_file,"
                + " source_line) VALUES (?, ?, ?, ?, 'CNY', 'SUCCESS', NOW(3), ?, 'bill.csv.gz',"
                + " 7)", kind, outTradeNo, kind + "-" + outTradeNo, amountMinor, night);
    }

    /** A settlement run and its report's index row. */
    long settlementRun(LocalDate night, String status, String reportSha256) {
        jdbc.update("INSERT INTO settlement_run (business_date, status, forced, started_at,"
                + " finished_at, summary) VALUES (?, ?, FALSE, NOW(3), NOW(3), 'test')", night,
                status);
        long run = jdbc.queryForObject("SELECT MAX(run_id) FROM settlement_run", Long.class);
        jdbc.update("INSERT INTO settlement_report_file (run_id, file_name, file_path,"
                + " sha256_hex, size_bytes) VALUES (?, 'report.html', '/reports/report.html', ?,"
                + " 100)", run, reportSha256);
        return run;
    }

    long breakId(String outTradeNo) {
        return jdbc.queryForObject("SELECT break_id FROM recon_break WHERE out_trade_no = ?",
                Long.class, outTradeNo);
    }
}
