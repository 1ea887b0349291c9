package dev.redrain.settlement;

import dev.redrain.core.catalog.Activity;
import dev.redrain.core.catalog.CatalogStore;
import dev.redrain.core.catalog.Template;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The night's report files, in {@code <reportDir>/<date>/}, each indexed in
 * settlement_report_file with its SHA-256 (a forced rerun overwrites the same names and
 * re-indexes them under its own run, unless finance signed the night: then it writes beside
 * the signed files, in {@code rerun-<runId>/}):
 *
 * <ul>
 *   <li>{@code totals.csv}: count and amount per leg per activity, stage, award type and
 *       asset;</li>
 *   <li>{@code summary.csv}: matched and broken counts and amounts, breaks by category and
 *       aging bucket (0-1, 2-7, 8-30, over 30 days), timing items by category;</li>
 *   <li>{@code breaks-<CATEGORY>.csv}: every break of that category open or repaired tonight;</li>
 *   <li>{@code expected.csv}: the timing items, each with the time it is expected until;</li>
 *   <li>{@code bridge.csv}: per asset, each leg walked down to an unexplained residual
 *       ({@link Bridge});</li>
 *   <li>{@code cleared.csv}, {@code repairs.csv}, {@code import-errors.csv},
 *       {@code utilisation.csv} (each template's spend of the day against its budget);</li>
 *   <li>{@code trend.csv}: breaks by the night first seen, the last seven nights, and how many
 *       of them are still open;</li>
 *   <li>{@code withdrawals.csv} (tonight's withdrawals by outcome) and
 *       {@code unknown-payouts.csv} (payouts still without the channel's answer, with age);</li>
 *   <li>{@code report.html}: all of it on one self-contained page for finance, and
 *       {@code report.pdf}, the same page to print.</li>
 * </ul>
 * Amounts are whole minor units with their asset code, never converted.
 */
final class ReportWriter {
    private static final DateTimeFormatter PREFIX = DateTimeFormatter.ofPattern("yyyyMMdd");

    private final JdbcTemplate jdbc;
    private final SettlementRuns runs;
    private final Clock clock;

    ReportWriter(JdbcTemplate jdbc, SettlementRuns runs, Clock clock) {
        this.jdbc = jdbc;
        this.runs = runs;
        this.clock = clock;
    }

    static final String TOTALS = "SELECT leg, activity_id, stage, award_type, currency,"
            + " COUNT(*) AS tokens, SUM(amount_minor) AS amount_minor"
            + " FROM (SELECT 'REDIS' leg, activity_id, stage, award_type, currency,"
            + "   amount_minor FROM recon_redis_token WHERE business_date = ?"
            + " UNION ALL SELECT 'LEDGER', activity_id, stage, award_type, currency,"
            + "   amount_minor FROM ledger_booking WHERE out_trade_no LIKE ?"
            + " UNION ALL SELECT 'PAYMENT', NULL, NULL, NULL, currency, amount_minor"
            + "   FROM payment_record WHERE out_trade_no LIKE ? AND payment_kind = 'FUNDING'"
            + "   AND channel_status = 'SUCCESS') legs"
            + " GROUP BY leg, activity_id, stage, award_type, currency"
            + " ORDER BY leg, activity_id, stage, award_type, currency";
    /** Matched tokens come from the match's own tally: no second pass over the keys. */
    static final String SUMMARY = "SELECT 'MATCHED' AS line, NULL AS category, NULL AS aging,"
            + " SUM(matched_tokens) AS tokens, currency, SUM(matched_minor) AS amount_minor"
            + " FROM recon_match_tally WHERE business_date = ? GROUP BY currency"
            + " UNION ALL SELECT 'BREAK', category, CASE"
            + "   WHEN DATEDIFF(?, first_seen_date) <= 1 THEN '0-1'"
            + "   WHEN DATEDIFF(?, first_seen_date) <= 7 THEN '2-7'"
            + "   WHEN DATEDIFF(?, first_seen_date) <= 30 THEN '8-30' ELSE '>30' END,"
            + " COUNT(*), currency, SUM(amount_minor) FROM recon_break"
            + " WHERE last_seen_date = ?"
            + " AND status NOT IN ('CLEARED', 'EXPECTED', 'RESOLVED')"
            + " GROUP BY category, 3, currency"
            + " UNION ALL SELECT 'EXPECTED', category, NULL, COUNT(*), currency, SUM(amount_minor)"
            + " FROM recon_break WHERE last_seen_date = ? AND status = 'EXPECTED'"
            + " GROUP BY category, currency ORDER BY 1, 2, 3, 5";
    /** Timing items: what may still arrive, and until when (UTC) it is expected. */
    static final String EXPECTED = "SELECT out_trade_no, category, currency, amount_minor,"
            + " first_seen_date, DATE_FORMAT(expected_until, '%Y-%m-%dT%H:%i:%sZ')"
            + " AS expected_until_utc FROM recon_break WHERE last_seen_date = ?"
            + " AND status = 'EXPECTED' ORDER BY out_trade_no, category";
    /**
     * Tonight's tokens' breaks and timing items with each leg's amount, for the bridge: the ones
     * this run's match saw (a forced rerun matches what an earlier run repaired, and must not
     * count it twice). A token re-credited tonight counts in the ledger with what the repair
     * booked.
     */
    static final String BRIDGE_ITEMS = "SELECT b.out_trade_no, b.category, b.status, b.currency,"
            + " b.redis_amount_minor, COALESCE(b.ledger_amount_minor, r.amount_minor) ledger,"
            + " b.payment_amount_minor FROM recon_break b LEFT JOIN recon_repair r"
            + " ON r.out_trade_no = b.out_trade_no AND r.category = b.category"
            + " AND r.action = 'RECREDIT' AND b.status = 'REPAIRED'"
            + " WHERE b.out_trade_no LIKE ? AND b.last_seen_date = ? AND b.last_seen_run = ?"
            + " AND b.status <> 'CLEARED'";
    /** The channel's fees on tonight's tokens' funding lines, per asset. */
    static final String FUNDING_FEES = "SELECT currency, SUM(fee_minor) FROM payment_record"
            + " WHERE out_trade_no LIKE ? AND payment_kind = 'FUNDING'"
            + " AND channel_status = 'SUCCESS' GROUP BY currency";
    /** Tonight's withdrawals (debited this business date) by how they ended. */
    static final String WITHDRAWALS = "SELECT status, currency, COUNT(*) AS withdrawals,"
            + " SUM(amount_minor) AS amount_minor FROM wallet_payout"
            + " WHERE debit_business_date = ? GROUP BY status, currency ORDER BY status, currency";
    /**
     * Every payout debited by tonight whose channel answer is still unknown (DEBITED), tonight's
     * and older ones, with its age in days: the money left the wallet and is in clearing.
     */
    static final String UNKNOWN_PAYOUTS = "SELECT payout_out_trade_no, act_id, currency,"
            + " amount_minor, debit_business_date, DATEDIFF(?, debit_business_date) AS age_days"
            + " FROM wallet_payout WHERE status = 'DEBITED' AND debit_business_date <= ?"
            + " ORDER BY debit_business_date, payout_out_trade_no";
    /** Nights the trend looks back over, tonight included. */
    static final int TREND_NIGHTS = 7;
    /** Breaks by the night they were first seen, and how many of them are still open now. */
    static final String TREND = "SELECT first_seen_date, COUNT(*), SUM(CASE WHEN status IN"
            + " ('OPEN', 'UNPROVEN') THEN 1 ELSE 0 END) FROM recon_break"
            + " WHERE first_seen_date BETWEEN ? AND ? GROUP BY first_seen_date";
    /** What Redis issued per template tonight; the budget comes from the catalog's owner. */
    static final String ISSUED = "SELECT template_id, SUM(amount_minor), COUNT(*) FROM"
            + " recon_redis_token WHERE business_date = ? AND template_id IS NOT NULL"
            + " GROUP BY template_id";
    private static final CatalogStore CATALOG = new CatalogStore();

    /** Writes the night's files; {@code statement} is the channel's file the night imported. */
    List<Path> write(Path reportDir, LocalDate date, long run, Path statement) {
        Long runId = runs.currentRun(date);
        Path folder = folderOf(reportDir, date, runId);
        String prefix = PREFIX.format(date) + "%";
        Map<String, Table> tables = new LinkedHashMap<>();
        tables.put("totals.csv", table(TOTALS, date, prefix, prefix));
        tables.put("summary.csv", table(SUMMARY, date, date, date, date, date, date));
        tables.put("expected.csv", table(EXPECTED, date));
        Set<String> withdrawable = jdbc.execute((ConnectionCallback<Set<String>>)
                CATALOG::withdrawableAssets);
        tables.put("bridge.csv", bridge(date, run, prefix, tables, withdrawable));
        for (Break.Category category : Break.Category.values()) {
            // Rows are named by (outTradeNo, category), never by a surrogate id, so a resumed
            // run's report and an uninterrupted run's are the same bytes.
            tables.put("breaks-" + category + ".csv", table("SELECT out_trade_no, act_id, legs,"
                    + " activity_id, stage, award_type, currency, redis_status,"
                    + " redis_amount_minor, ledger_amount_minor, payment_amount_minor,"
                    + " amount_minor, first_seen_date, DATEDIFF(?, first_seen_date) AS age_days,"
                    + " status, owner, evidence FROM recon_break WHERE category = ? AND"
                    + " last_seen_date = ?"
                    + " AND status NOT IN ('CLEARED', 'EXPECTED') ORDER BY out_trade_no", date,
                    category.name(),
                    date));
        }
        tables.put("cleared.csv", table("SELECT out_trade_no, category, currency, amount_minor,"
                + " first_seen_date, cleared_date FROM recon_break WHERE cleared_date = ?"
                + " ORDER BY out_trade_no", date));
        tables.put("repairs.csv", table("SELECT out_trade_no, category, action, outcome,"
                + " currency, amount_minor FROM recon_repair WHERE business_date = ?"
                + " ORDER BY out_trade_no, category", date));
        tables.put("import-errors.csv", table("SELECT source_file, line_number, reason,"
                + " raw_line FROM recon_import_error WHERE business_date = ?"
                + " ORDER BY line_number", date));
        tables.put("utilisation.csv", utilisation(date));
        tables.put("withdrawals.csv", table(WITHDRAWALS, date));
        tables.put("unknown-payouts.csv", table(UNKNOWN_PAYOUTS, date, date));
        tables.put("trend.csv", trend(date));
        List<Path> files = new ArrayList<>();
        try {
            Files.createDirectories(folder);
            for (Map.Entry<String, Table> entry : tables.entrySet()) {
                Path file = folder.resolve(entry.getKey());
                Files.writeString(file, entry.getValue().csv(), StandardCharsets.UTF_8);
                files.add(file);
            }
            Path html = folder.resolve("report.html");
            HtmlReport.Header header = new HtmlReport.Header(date, runId, clock.instant()
                    .truncatedTo(ChronoUnit.SECONDS), statement.getFileName().toString(),
                    Files.isReadable(statement) ? sha256(statement) : null, withdrawable);
            String page = HtmlReport.render(header, tables);
            Files.writeString(html, page, StandardCharsets.UTF_8);
            files.add(html);
            Path pdf = folder.resolve("report.pdf");
            PdfReport.write(page, pdf);
            files.add(pdf);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (runId != null) {
            for (Path file : files) {
                runs.recordFile(runId, file, sha256(file), size(file));
            }
        }
        return files;
    }

    /**
     * The night's folder, {@code <reportDir>/<date>/}. Once finance signed the night (the
     * workflow's finance_signoff view), a later run writes to {@code rerun-<runId>/} inside it: the
     * signed report stays the bytes whose SHA-256 they signed.
     */
    private Path folderOf(Path reportDir, LocalDate date, Long runId) {
        Path night = reportDir.resolve(date.toString());
        List<Long> signed = jdbc.queryForList("SELECT run_id FROM finance_signoff WHERE"
                + " business_date = ?", Long.class, date);
        return signed.isEmpty() || runId == null || signed.get(0).equals(runId) ? night
                : night.resolve("rerun-" + runId);
    }

    /**
     * Budget utilisation per template: issued tonight (the Redis leg) against the template's
     * budget, with the stage and currency the catalog gives it (a token's own fields are not
     * trusted for either).
     */
    private Table utilisation(LocalDate date) {
        Map<String, long[]> issued = new HashMap<>();
        jdbc.query(ISSUED, (ResultSet rs) -> {
            issued.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)});
        }, date);
        CatalogStore.Snapshot catalog = jdbc.execute(
                (ConnectionCallback<CatalogStore.Snapshot>) CATALOG::read);
        Map<String, Activity> activities = new HashMap<>();
        catalog.activities().forEach(activity -> activities.put(activity.activityId(),
                activity));
        List<List<String>> rows = new ArrayList<>();
        catalog.templates().stream()
                .filter(template -> issued.containsKey(template.templateId())
                        && activities.containsKey(template.activityId()))
                .sorted(Comparator.comparing((Template template) -> String.valueOf(
                        activities.get(template.activityId()).stage()))
                        .thenComparing(Template::templateId))
                .forEach(template -> {
                    long[] sums = issued.get(template.templateId());
                    rows.add(List.of(template.templateId(), String.valueOf(activities.get(
                            template.activityId()).stage()), template.currency(),
                            Long.toString(template.budgetMinor()), Long.toString(sums[0]),
                            Long.toString(sums[1]), percent(sums[0], template.budgetMinor())));
                });
        return new Table(List.of("template_id", "stage", "currency", "budget_minor",
                "issued_minor", "tokens", "pct"), rows);
    }

    /** Each leg walked down to a residual; see {@link Bridge}. */
    private Table bridge(LocalDate date, long run, String prefix, Map<String, Table> tables,
            Set<String> withdrawable) {
        Table summary = tables.get("summary.csv");
        Map<String, long[]> matched = new TreeMap<>();
        for (List<String> row : summary.rows()) {
            if (row.get(summary.column("line")).equals("MATCHED")) {
                matched.put(row.get(summary.column("currency")), new long[] {
                    Long.parseLong(row.get(summary.column("tokens"))),
                    Long.parseLong(row.get(summary.column("amount_minor")))});
            }
        }
        List<Bridge.Item> items = jdbc.query(BRIDGE_ITEMS, (rs, n) -> new Bridge.Item(
                rs.getString(1), Break.Category.valueOf(rs.getString(2)), rs.getString(3),
                rs.getString(4), rs.getObject(5, Long.class), rs.getObject(6, Long.class),
                rs.getObject(7, Long.class)), prefix, date, run);
        Map<String, Long> fees = new TreeMap<>();
        jdbc.query(FUNDING_FEES, (ResultSet rs) -> {
            fees.put(rs.getString(1), rs.getLong(2));
        }, prefix);
        return Bridge.of(tables.get("totals.csv"), matched, withdrawable, items, fees);
    }

    /** One row per night of the last {@link #TREND_NIGHTS}, a night without breaks as zeros. */
    private Table trend(LocalDate date) {
        LocalDate first = date.minusDays(TREND_NIGHTS - 1);
        Map<LocalDate, long[]> byNight = new HashMap<>();
        jdbc.query(TREND, (ResultSet rs) -> {
            byNight.put(rs.getDate(1).toLocalDate(), new long[] {rs.getLong(2), rs.getLong(3)});
        }, first, date);
        List<List<String>> rows = new ArrayList<>();
        for (LocalDate night = first; !night.isAfter(date); night = night.plusDays(1)) {
            long[] counts = byNight.getOrDefault(night, new long[2]);
            rows.add(List.of(night.toString(), Long.toString(counts[0]),
                    Long.toString(counts[1])));
        }
        return new Table(List.of("night", "new_breaks", "still_open"), rows);
    }

    /** As MySQL's ROUND(100 * issued / budget, 2): the division kept to 4 places first. */
    private static String percent(long issuedMinor, long budgetMinor) {
        return BigDecimal.valueOf(issuedMinor).multiply(BigDecimal.valueOf(100))
                .divide(BigDecimal.valueOf(budgetMinor), 4, RoundingMode.HALF_UP)
                .setScale(2, RoundingMode.HALF_UP).toPlainString();
    }

    /** A query's result as text: column labels and rows (null as an empty cell). */
    record Table(List<String> columns, List<List<String>> rows) {
        String csv() {
            return CsvCells.write(columns, rows);
        }

        int column(String label) {
            return columns.indexOf(label);
        }
    }

    private Table table(String sql, Object... arguments) {
        List<String> columns = new ArrayList<>();
        List<List<String>> rows = new ArrayList<>();
        jdbc.query(sql, (ResultSet rs) -> {
            var meta = rs.getMetaData();
            if (columns.isEmpty()) {
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    columns.add(meta.getColumnLabel(i));
                }
            }
            List<String> row = new ArrayList<>(meta.getColumnCount());
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                Object value = rs.getObject(i);
                row.add(value == null ? null : value.toString());
            }
            rows.add(row);
        }, arguments);
        if (columns.isEmpty()) {
            columns.addAll(jdbc.query("SELECT * FROM (" + sql + ") q LIMIT 0", rs -> {
                List<String> labels = new ArrayList<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    labels.add(rs.getMetaData().getColumnLabel(i));
                }
                return labels;
            }, arguments));
        }
        return new Table(columns, rows);
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
