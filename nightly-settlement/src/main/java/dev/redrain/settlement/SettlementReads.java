package dev.redrain.settlement;

import dev.redrain.core.jdbc.Rows;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the settlement's tables tell other parts (the local stack's dashboard and its
 * verification suites): the channel's lines, the night's breaks, its runs and report files.
 * The settlement owns these tables; this is their read side for outsiders. Plain JDBC on the
 * caller's connection and nothing but the JDK, so a caller needs none of the settlement's
 * libraries on its class path.
 */
public final class SettlementReads {
    /** How many lines, and their sum in minor units of one currency. */
    public record Tally(long count, long amountMinor) {
    }

    /** One break as the night left it. */
    public record BreakLine(String outTradeNo, String category, String legs, String status) {
    }

    /** One settlement run. {@code finishedAt} is null while it runs. */
    public record Run(long runId, LocalDate businessDate, String status, Instant finishedAt) {
    }

    /** The channel's successful FUNDING lines by currency: what reached the wallets' bank. */
    public Map<String, Tally> fundedByCurrency(Connection connection) throws SQLException {
        Map<String, Tally> funded = new TreeMap<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT currency, COUNT(*),"
                + " SUM(amount_minor) FROM payment_record WHERE payment_kind = 'FUNDING'"
                + " AND channel_status = 'SUCCESS' GROUP BY currency");
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                funded.put(rows.getString(1), new Tally(rows.getLong(2), rows.getLong(3)));
            }
        }
        return funded;
    }

    /** The channel's successful PAYOUT lines, summed in minor units. */
    public long paidOutMinor(Connection connection) throws SQLException {
        return Rows.single(connection, "SELECT COALESCE(SUM(amount_minor), 0) FROM"
                + " payment_record WHERE payment_kind = 'PAYOUT' AND channel_status = 'SUCCESS'");
    }

    /** The breaks the night of {@code date} saw, by out_trade_no. */
    public List<BreakLine> breaksSeenOn(Connection connection, LocalDate date)
            throws SQLException {
        List<BreakLine> breaks = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT out_trade_no,"
                + " category, legs, status FROM recon_break WHERE last_seen_date = ?"
                + " ORDER BY out_trade_no")) {
            select.setDate(1, Date.valueOf(date));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    breaks.add(new BreakLine(rows.getString(1), rows.getString(2),
                            rows.getString(3), rows.getString(4)));
                }
            }
        }
        return breaks;
    }

    /** How many breaks the night of {@code date} saw, keyed {@code CATEGORY/STATUS}. */
    public Map<String, Long> breakCountsSeenOn(Connection connection, LocalDate date)
            throws SQLException {
        return Rows.longsByKey(connection, "SELECT CONCAT(category, '/', status), COUNT(*)"
                + " FROM recon_break WHERE last_seen_date = ? GROUP BY category, status",
                Date.valueOf(date));
    }

    /**
     * The breaks the night of {@code date} left open (or unproven, waiting for finance), by
     * age in days since first seen: {@code 0-1}, {@code 2-7}, {@code 8-30}, {@code >30}, as
     * the report buckets them. Buckets without breaks are absent.
     */
    public Map<String, Long> openBreakAging(Connection connection, LocalDate date)
            throws SQLException {
        Date night = Date.valueOf(date);
        return Rows.longsByKey(connection, "SELECT CASE"
                + " WHEN DATEDIFF(?, first_seen_date) <= 1 THEN '0-1'"
                + " WHEN DATEDIFF(?, first_seen_date) <= 7 THEN '2-7'"
                + " WHEN DATEDIFF(?, first_seen_date) <= 30 THEN '8-30' ELSE '>30' END,"
                + " COUNT(*) FROM recon_break WHERE last_seen_date = ?"
                + " AND status IN ('OPEN', 'UNPROVEN') GROUP BY 1", night, night, night, night);
    }

    /** The latest run, of any night. */
    public Optional<Run> latestRun(Connection connection) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT run_id,"
                + " business_date, status, finished_at FROM settlement_run"
                + " ORDER BY run_id DESC LIMIT 1");
                ResultSet rows = select.executeQuery()) {
            if (!rows.next()) {
                return Optional.empty();
            }
            Timestamp finished = rows.getTimestamp(4);
            return Optional.of(new Run(rows.getLong(1), rows.getDate(2).toLocalDate(),
                    rows.getString(3), finished == null ? null : finished.toInstant()));
        }
    }

    /** Where the latest run of the night of {@code date} wrote its file {@code fileName}. */
    public Optional<String> reportFile(Connection connection, LocalDate date, String fileName)
            throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT f.file_path FROM"
                + " settlement_report_file f JOIN settlement_run r ON r.run_id = f.run_id"
                + " WHERE r.business_date = ? AND f.file_name = ?"
                + " ORDER BY r.run_id DESC LIMIT 1")) {
            select.setDate(1, Date.valueOf(date));
            select.setString(2, fileName);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
            }
        }
    }
}
