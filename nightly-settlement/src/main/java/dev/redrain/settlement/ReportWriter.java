package dev.redrain.settlement;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The night's report files, in {@code <reportDir>/<date>/}, each indexed in
 * settlement_report_file with its SHA-256 (a forced rerun overwrites the same names and
 * re-indexes them under its own run):
 *
 * <ul>
 *   <li>{@code totals.csv}: count and amount per leg per activity, stage, award type and asset;</li>
 *   <li>{@code summary.csv}: matched and broken counts and amounts, breaks by category and
 *       aging bucket (0-1, 2-7, 8-30, over 30 days);</li>
 *   <li>{@code breaks-<CATEGORY>.csv}: every break of that category open or repaired tonight;</li>
 *   <li>{@code cleared.csv}, {@code repairs.csv}, {@code import-errors.csv}.</li>
 * </ul>
 * Amounts are whole minor units with their asset code, never converted.
 */
final class ReportWriter {
    private static final DateTimeFormatter PREFIX = DateTimeFormatter.ofPattern("yyyyMMdd");
    static final String KEYS = "SELECT out_trade_no FROM recon_redis_token WHERE business_date = ?"
            + " UNION SELECT out_trade_no FROM ledger_journal WHERE out_trade_no LIKE ?"
            + "   AND journal_type = 'TOKEN_CREDIT'"
            + " UNION SELECT out_trade_no FROM payment_record WHERE out_trade_no LIKE ?"
            + "   AND payment_kind = 'FUNDING' AND channel_status = 'SUCCESS'";

    private final JdbcTemplate jdbc;
    private final SettlementRuns runs;

    ReportWriter(JdbcTemplate jdbc, SettlementRuns runs) {
        this.jdbc = jdbc;
        this.runs = runs;
    }

    List<Path> write(Path reportDir, LocalDate date) {
        Path folder = reportDir.resolve(date.toString());
        String prefix = PREFIX.format(date) + "%";
        List<Path> files = new ArrayList<>();
        try {
            Files.createDirectories(folder);
            files.add(csv(folder.resolve("totals.csv"), "SELECT leg, activity_id, stage,"
                    + " award_type, currency, COUNT(*) AS tokens, SUM(amount_minor) AS amount_minor"
                    + " FROM (SELECT 'REDIS' leg, activity_id, stage, award_type, currency,"
                    + "   amount_minor FROM recon_redis_token WHERE business_date = ?"
                    + " UNION ALL SELECT 'LEDGER', activity_id, stage, award_type, currency,"
                    + "   amount_minor FROM ledger_journal WHERE out_trade_no LIKE ?"
                    + "   AND journal_type = 'TOKEN_CREDIT'"
                    + " UNION ALL SELECT 'PAYMENT', NULL, NULL, NULL, currency, amount_minor"
                    + "   FROM payment_record WHERE out_trade_no LIKE ? AND payment_kind ="
                    + "   'FUNDING' AND channel_status = 'SUCCESS') legs"
                    + " GROUP BY leg, activity_id, stage, award_type, currency"
                    + " ORDER BY leg, activity_id, stage, award_type, currency",
                    date, prefix, prefix));
            files.add(csv(folder.resolve("summary.csv"), "SELECT 'MATCHED' AS line, NULL AS"
                    + " category, NULL AS aging, COUNT(*) AS tokens, NULL AS currency,"
                    + " NULL AS amount_minor FROM (" + KEYS + ") k WHERE NOT EXISTS (SELECT 1"
                    + " FROM recon_break b WHERE b.out_trade_no = k.out_trade_no"
                    + " AND b.last_seen_date = ? AND b.status <> 'CLEARED')"
                    + " UNION ALL SELECT 'BREAK', category, CASE"
                    + "   WHEN DATEDIFF(?, first_seen_date) <= 1 THEN '0-1'"
                    + "   WHEN DATEDIFF(?, first_seen_date) <= 7 THEN '2-7'"
                    + "   WHEN DATEDIFF(?, first_seen_date) <= 30 THEN '8-30' ELSE '>30' END,"
                    + " COUNT(*), currency, SUM(amount_minor) FROM recon_break"
                    + " WHERE last_seen_date = ? AND status <> 'CLEARED'"
                    + " GROUP BY category, 3, currency ORDER BY 1, 2, 3, 5",
                    date, prefix, prefix, date, date, date, date, date));
            for (Break.Category category : Break.Category.values()) {
                // Rows are named by (outTradeNo, category), never by a surrogate id, so a
                // resumed run's report and an uninterrupted run's are the same bytes.
                files.add(csv(folder.resolve("breaks-" + category + ".csv"), "SELECT"
                        + " out_trade_no, act_id, legs, activity_id, stage, award_type, currency,"
                        + " redis_status, redis_amount_minor, ledger_amount_minor,"
                        + " payment_amount_minor, amount_minor, first_seen_date,"
                        + " DATEDIFF(?, first_seen_date) AS age_days, status, owner"
                        + " FROM recon_break WHERE category = ? AND last_seen_date = ?"
                        + " AND status <> 'CLEARED' ORDER BY out_trade_no", date,
                        category.name(), date));
            }
            files.add(csv(folder.resolve("cleared.csv"), "SELECT out_trade_no, category, currency, amount_minor, first_seen_date, cleared_date"
                    + " FROM recon_break WHERE cleared_date = ? ORDER BY out_trade_no", date));
            files.add(csv(folder.resolve("repairs.csv"), "SELECT out_trade_no, category,"
                    + " action, outcome, currency, amount_minor FROM recon_repair"
                    + " WHERE business_date = ? ORDER BY out_trade_no, category", date));
            files.add(csv(folder.resolve("import-errors.csv"), "SELECT source_file,"
                    + " line_number, reason, raw_line FROM recon_import_error"
                    + " WHERE business_date = ? ORDER BY line_number", date));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Long runId = runs.currentRun(date);
        if (runId != null) {
            for (Path file : files) {
                runs.recordFile(runId, file, sha256(file), size(file));
            }
        }
        return files;
    }

    private Path csv(Path file, String sql, Object... arguments) throws IOException {
        StringBuilder out = new StringBuilder();
        jdbc.query(sql, rs -> {
            var meta = rs.getMetaData();
            if (out.isEmpty()) {
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    out.append(i > 1 ? "," : "").append(meta.getColumnLabel(i));
                }
                out.append('\n');
            }
            do {
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    Object value = rs.getObject(i);
                    out.append(i > 1 ? "," : "").append(value == null ? "" : cell(value));
                }
                out.append('\n');
            } while (rs.next());
        }, arguments);
        if (out.isEmpty()) {
            // No rows: still the header, from the statement's metadata.
            out.append(header(sql, arguments)).append('\n');
        }
        Files.writeString(file, out, StandardCharsets.UTF_8);
        return file;
    }

    private String header(String sql, Object... arguments) {
        return jdbc.query("SELECT * FROM (" + sql + ") q LIMIT 0", rs -> {
            var meta = rs.getMetaData();
            StringBuilder line = new StringBuilder();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                line.append(i > 1 ? "," : "").append(meta.getColumnLabel(i));
            }
            return line.toString();
        }, arguments);
    }

    /** A CSV cell: quoted when it holds a comma, quote or line break. */
    static String cell(Object value) {
        String text = value.toString();
        if (text.indexOf(',') < 0 && text.indexOf('"') < 0 && text.indexOf('\n') < 0) {
            return text;
        }
        return '"' + text.replace("\"", "\"\"") + '"';
    }

    private static String sha256(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
