package dev.redrain.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.keys.TokenHash;
import dev.redrain.core.keys.Topics;
import dev.redrain.core.ledger.CreditRequest;
import dev.redrain.core.ledger.CreditSource;
import dev.redrain.core.ledger.LedgerWriter;
import dev.redrain.core.ledger.WalletLedger;
import dev.redrain.core.money.Money;
import dev.redrain.core.schema.RedrainSchema;
import dev.redrain.settlement.statement.RedrainCsvFormat;
import dev.redrain.testsupport.Chromium;
import dev.redrain.testsupport.MariaDbExtension;
import dev.redrain.testsupport.RedisExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The settlement job against real MariaDB and Redis, on a seeded night: thousands of matched
 * tokens, one break of every category, bad statement lines. In order: the night is settled and
 * every break is exactly as expected; the safe repairs happened once; a plain rerun is refused;
 * a forced rerun repairs nothing twice; a run that fails inside the match resumes and its
 * outputs equal an uninterrupted run's, row for row.
 */
@SpringBootTest(properties = {"redrain.settlement.command-line=false",
    "redrain.settlement.chunk-size=200", "redrain.settlement.partitions=4"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SettlementJobITCase {
    @RegisterExtension
    static final MariaDbExtension DB = new MariaDbExtension().afterCreate(RedrainSchema::migrate);
    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    static final LocalDate NIGHT = LocalDate.of(2026, 11, 25);
    static final LocalDate FAULT_NIGHT = LocalDate.of(2026, 11, 24);
    /** The same data as FAULT_NIGHT, settled without a fault, to compare with. */
    static final LocalDate CLEAN_NIGHT = LocalDate.of(2026, 11, 23);
    static final int MATCHED_CASH = 2_000;
    static final int MATCHED_COUPONS = 200;
    static final Path statements = tempDirectory("statements");
    static final Path reports = tempDirectory("reports");
    /** Writes of the match left before an injected failure; 0 or less: none. */
    static final AtomicInteger WRITES_BEFORE_FAILURE = new AtomicInteger();

    @Autowired
    SettlementRunner runner;
    @Autowired
    JdbcTemplate jdbc;

    @TestConfiguration
    static class Faults {
        @Bean
        MatchFaults matchFaults() {
            return chunk -> {
                if (WRITES_BEFORE_FAILURE.get() > 0
                        && WRITES_BEFORE_FAILURE.decrementAndGet() == 0) {
                    throw new IllegalStateException("injected failure inside the match");
                }
            };
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        SettlementItProperties.register(registry, DB, REDIS, statements, reports);
    }

    @BeforeAll
    static void seed() throws Exception {
        try (var connection = DB.dataSource().getConnection();
                var statement = connection.createStatement()) {
            statement.execute("INSERT INTO activity (activity_id, name, live_stage, starts_at,"
                    + " ends_at, status) VALUES ('act', 'Act', 'FORMAL', '2026-11-01',"
                    + " '2026-12-31', 'ACTIVE')");
            statement.execute("INSERT INTO activity (activity_id, parent_activity_id, name,"
                    + " stage, starts_at, ends_at, status) VALUES ('act-formal', 'act',"
                    + " 'Act formal', 'FORMAL', '2026-11-01', '2026-12-31', 'ACTIVE')");
            statement.execute("INSERT INTO reward_template (template_id, activity_id,"
                    + " award_type, currency, amount_rule, fixed_amount_minor, budget_minor)"
                    + " VALUES ('tpl-cash', 'act-formal', 'CASH', 'CNY', 'FIXED', 1, 10000000),"
                    + " ('tpl-coupon', 'act-formal', 'COUPON', 'CPN', 'FIXED', 1, 100000)");
        }
        new Night(NIGHT).seed();
        new Night(FAULT_NIGHT).seed();
        new Night(CLEAN_NIGHT).seed();
    }

    @Test
    @Order(1)
    void aNightIsSettledWithEveryBreakExactlyClassified() throws Exception {
        assertThat(runner.settle(NIGHT, false)).isZero();
        Map<String, String> breaks = breaks(NIGHT);
        Night night = new Night(NIGHT);
        assertThat(breaks).containsExactlyInAnyOrderEntriesOf(Map.of(
                night.no(9_001), "ISSUED_NOT_CREDITED|REDIS,LEDGER|300|REPAIRED",
                night.no(9_002), "ISSUED_NOT_CREDITED|REDIS,LEDGER|400|OPEN",
                night.no(9_003), "CREDITED_NOT_ISSUED|REDIS,LEDGER|700|OPEN",
                night.no(9_004), "CREDITED_NOT_PAID|LEDGER,PAYMENT|800|OPEN",
                night.no(9_005), "PAID_NOT_CREDITED|LEDGER,PAYMENT|900|OPEN",
                night.no(9_006), "AMOUNT_MISMATCH|LEDGER,PAYMENT|50|OPEN",
                night.no(9_007), "DUPLICATE|PAYMENT|500|OPEN",
                night.no(9_008), "STATUS_MISMATCH|REDIS,LEDGER|600|REPAIRED"));
        // Payouts: a withdrawal paid without a channel line, a failed (reversed) one the channel
        // paid anyway, one paid short; the matched one is no break.
        assertThat(breaksLike("PO-%")).containsExactlyInAnyOrderEntriesOf(Map.of(
                night.payoutNo(2), "CREDITED_NOT_PAID|LEDGER,PAYMENT|100|OPEN",
                night.payoutNo(3), "PAID_NOT_CREDITED|LEDGER,PAYMENT|100|OPEN",
                night.payoutNo(4), "AMOUNT_MISMATCH|LEDGER,PAYMENT|10|OPEN"));
        // The two bad statement lines, with their line numbers and reasons.
        assertThat(jdbc.queryForList("SELECT CONCAT(line_number, ':', reason) FROM"
                + " recon_import_error WHERE business_date = ? ORDER BY line_number",
                String.class, NIGHT)).containsExactly(
                        (MATCHED_CASH + 9) + ":amount_minor must be positive",
                        (MATCHED_CASH + 10) + ":expected 7 fields, found 3");
        // Safe repairs, once each: the re-credit booked by REPAIR, the Redis statuses fixed.
        assertThat(jdbc.queryForList("SELECT CONCAT(category, ':', action) FROM recon_repair"
                + " ORDER BY out_trade_no", String.class)).containsExactly(
                        "ISSUED_NOT_CREDITED:RECREDIT", "STATUS_MISMATCH:FIX_REDIS_STATUS");
        assertThat(jdbc.queryForObject("SELECT source FROM ledger_journal WHERE out_trade_no"
                + " = ?", String.class, night.no(9_001))).isEqualTo("REPAIR");
        assertThat(REDIS.commands().hget(night.tokenKey(9_001), TokenHash.STATUS))
                .isEqualTo("CREDITED");
        assertThat(REDIS.commands().hget(night.tokenKey(9_008), TokenHash.STATUS))
                .isEqualTo("CREDITED");
        assertThat(REDIS.commands().hget(night.tokenKey(9_002), TokenHash.STATUS))
                .as("issued within the grace period: left to the stream").isEqualTo("ISSUED");
        // The report: matched tokens and every category's file.
        Path folder = reports.resolve(NIGHT.toString());
        List<String> summary = Files.readAllLines(folder.resolve("summary.csv"));
        assertThat(summary).contains("MATCHED,,," + MATCHED_CASH + ",CNY,"
                + night.matchedCashMinor(), "MATCHED,,," + MATCHED_COUPONS + ",CPN,"
                + MATCHED_COUPONS);
        // Budget utilisation: what Redis issued per template tonight against its budget.
        long issuedCash = night.matchedCashMinor() + 800 + 500 + 500 + 600;
        assertThat(Files.readAllLines(folder.resolve("utilisation.csv"))).anyMatch(line ->
                line.startsWith("tpl-cash,FORMAL,CNY,10000000," + issuedCash + ","
                        + (MATCHED_CASH + 4) + ","));
        assertThat(Files.readAllLines(folder.resolve("breaks-DUPLICATE.csv"))).hasSize(2);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM settlement_report_file f JOIN"
                + " settlement_run r ON r.run_id = f.run_id WHERE r.business_date = ?",
                Long.class, NIGHT)).as("13 reports and one CSV per break category")
                .isEqualTo(13 + Break.Category.values().length);
        // The bridge to zero: every leg of every asset matched or named to the minor unit, and
        // the breaks it names are the ones above (the repaired coupon booked by the repair).
        List<String> bridge = Files.readAllLines(folder.resolve("bridge.csv"));
        assertThat(bridge).filteredOn(line -> line.contains(",RESIDUAL,")).hasSize(5)
                .allMatch(line -> line.endsWith(",0"));
        assertThat(bridge).contains("CNY,LEDGER,MATCHED,," + MATCHED_CASH + ","
                + night.matchedCashMinor(), "CNY,PAYMENT,BREAK,DUPLICATE,1,1000",
                "CNY,PAYMENT,BREAK,AMOUNT_MISMATCH,1,450",
                "CPN,LEDGER,REPAIRED,ISSUED_NOT_CREDITED,1,300",
                "CNY,REDIS,REPAIRED,STATUS_MISMATCH,1,600");
        // The trend: seven nights, tonight's new breaks as recon_break has them.
        List<String> trend = Files.readAllLines(folder.resolve("trend.csv"));
        assertThat(trend).hasSize(1 + 7).first().isEqualTo("night,new_breaks,still_open");
        assertThat(trend.get(7)).startsWith(NIGHT + "," + count("SELECT COUNT(*) FROM recon_break"
                + " WHERE first_seen_date = '" + NIGHT + "'") + ",");
        List<String> totals = Files.readAllLines(folder.resolve("totals.csv"));
        assertThat(totals).contains("LEDGER,act-formal,FORMAL,CASH,CNY," + (MATCHED_CASH + 5)
                + "," + (night.matchedCashMinor() + 700 + 800 + 500 + 500 + 600));
        assertLedgerBalanced();
        assertTheReadSideShowsTheNight(breaks, breaksLike("PO-%"), folder);
    }

    /** What the local stack reads through SettlementReads is what the night wrote. */
    private static void assertTheReadSideShowsTheNight(Map<String, String> tokenBreaks,
            Map<String, String> payoutBreaks, Path folder) throws Exception {
        SettlementReads reads = new SettlementReads();
        try (var connection = DB.dataSource().getConnection()) {
            SettlementReads.Run run = reads.latestRun(connection).orElseThrow();
            assertThat(run.businessDate()).isEqualTo(NIGHT);
            assertThat(run.status()).isEqualTo("COMPLETED");
            assertThat(run.finishedAt()).isNotNull();
            assertThat(reads.reportFile(connection, NIGHT, "report.html")).map(Path::of)
                    .contains(folder.resolve("report.html"));
            Map<String, String> expected = new TreeMap<>();
            tokenBreaks.forEach((no, row) -> expected.put(no, categoryAndStatus(row)));
            payoutBreaks.forEach((no, row) -> expected.put(no, categoryAndStatus(row)));
            Map<String, String> seen = new TreeMap<>();
            reads.breaksSeenOn(connection, NIGHT).forEach(line -> seen.put(line.outTradeNo(),
                    line.category() + "|" + line.status()));
            assertThat(seen).containsAllEntriesOf(expected);
            assertThat(reads.breakCountsSeenOn(connection, NIGHT).values().stream()
                    .mapToLong(Long::longValue).sum()).isEqualTo(seen.size());
            assertThat(reads.breakCountsSeenOn(connection, NIGHT))
                    .containsEntry("ISSUED_NOT_CREDITED/REPAIRED", 1L)
                    .containsEntry("STATUS_MISMATCH/REPAIRED", 1L);
            assertThat(reads.fundedByCurrency(connection)).containsKey("CNY");
            long open = seen.values().stream().filter(row -> row.endsWith("|OPEN")
                    || row.endsWith("|UNPROVEN")).count();
            assertThat(open).isPositive();
            assertThat(reads.openBreakAging(connection, NIGHT)).isEqualTo(Map.of("0-1", open));
        }
    }

    private static String categoryAndStatus(String row) {
        String[] parts = row.split("\\|");
        return parts[0] + "|" + parts[3];
    }

    @Test
    @Order(2)
    void theHtmlReportRendersInHeadlessChromiumWithTheTotals() throws Exception {
        Chromium chromium = Chromium.find();
        Path html = reports.resolve(NIGHT.toString()).resolve("report.html");
        String url = html.toUri().toString();
        String page = RenderedReport.dom(html);
        assertThat(figure(page, "matched-tokens"))
                .isEqualTo(String.format("%,d", MATCHED_CASH + MATCHED_COUPONS));
        assertThat(figure(page, "break-count")).isEqualTo("11");
        // Amounts in major units with their asset; minor units stay in the CSV files.
        assertThat(figure(page, "break-amount-CNY")).isEqualTo(Money.of(700 + 800 + 900 + 50
                + 500 + 600 + 100 + 100 + 10, "CNY").display()).isEqualTo("37.60 CNY");
        assertThat(figure(page, "break-amount-CPN")).isEqualTo("700 CPN");
        assertThat(figure(page, "repairs")).isEqualTo("2");
        assertThat(figure(page, "import-errors")).isEqualTo("2");
        // The legs per asset, read from the same rows as totals.csv.
        long creditedCny = Files.readAllLines(reports.resolve(NIGHT.toString()).resolve(
                "totals.csv")).stream().map(line -> line.split(","))
                .filter(cells -> cells[0].equals("LEDGER") && cells[4].equals("CNY"))
                .mapToLong(cells -> Long.parseLong(cells[6])).sum();
        assertThat(creditedCny).isPositive();
        assertThat(figure(page, "credited-CNY")).isEqualTo(Money.of(creditedCny, "CNY")
                .display());
        assertThat(figure(page, "funded-CPN")).isEqualTo("not funded through the channel");
        // The legs chart: three bars for cash, two for coupons (no funding leg).
        assertThat(page).contains("The legs of CNY").contains("The legs of CPN")
                .contains("aria-label=\"legs of CNY\"");
        assertThat(figure(page, "reconciles-CNY")).startsWith("no");
        // ... but every minor unit is named: the bridge's residuals are zero.
        assertThat(figure(page, "residual-CNY-LEDGER")).isEqualTo("0.00 CNY");
        assertThat(figure(page, "residual-CNY-PAYMENT")).isEqualTo("0.00 CNY");
        assertThat(figure(page, "residual-CPN-REDIS")).isEqualTo("0 CPN");
        assertThat(figure(page, "expected-count")).isEqualTo("0");
        assertThat(figure(page, "run-id")).matches("[0-9]+");
        assertThat(figure(page, "statement-sha256")).matches("[0-9a-f]{64}");
        // Headers in words, and formal money apart from the other stages.
        assertThat(page).doesNotContain("<th>amount_minor</th>")
                .doesNotContain("<th>out_trade_no</th>").contains("<th>Trade number</th>")
                .contains("Activity act-formal, stage FORMAL").contains("formal money");
        // The same figures as the database holds.
        assertThat(figure(page, "repairs")).isEqualTo(Long.toString(count(
                "SELECT COUNT(*) FROM recon_repair WHERE business_date = '" + NIGHT + "'")));
        // Each break tracked: all new tonight, the two repaired ones resolved.
        assertThat(figure(page, "new-breaks")).isEqualTo(Long.toString(count("SELECT COUNT(*)"
                + " FROM recon_break WHERE last_seen_date = '" + NIGHT + "' AND first_seen_date"
                + " = '" + NIGHT + "' AND status IN ('OPEN', 'UNPROVEN')")));
        assertThat(figure(page, "persisting-breaks")).isEqualTo("0");
        assertThat(figure(page, "resolved-breaks")).isEqualTo("2");
        // Aging: every break of the night is new, so all sit in the first bucket.
        assertThat(page).containsPattern("<td>ISSUED_NOT_CREDITED</td>\\s*<td>0-1</td>");
        // Withdrawals by outcome, and the payout whose answer is unknown.
        assertThat(figure(page, "withdrawn-PAID-CNY")).isEqualTo("3.00 CNY");
        assertThat(figure(page, "withdrawn-PAYOUT_FAILED-CNY")).isEqualTo("1.00 CNY");
        assertThat(figure(page, "withdrawn-DEBITED-CNY")).isEqualTo("1.00 CNY");
        assertThat(page).contains(new Night(NIGHT).payoutNo(5));
        // The printable PDF: the same figures, in the same words.
        String pdf = pdfText(reports.resolve(NIGHT.toString()).resolve("report.pdf"));
        assertThat(pdf).contains("Do the legs reconcile?").contains("37.60 CNY")
                .contains(Money.of(creditedCny, "CNY").display()).contains("700 CPN")
                .contains(figure(page, "statement-sha256"));
        Path screenshot = Files.createTempFile("report", ".png");
        Chromium.Result shot = chromium.run("--screenshot=" + screenshot,
                "--window-size=1280,2400", url);
        byte[] png = Files.readAllBytes(screenshot);
        assertThat(png.length).as(shot.stderr()).isGreaterThan(10_000);
        assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }

    private static String figure(String dom, String name) {
        return RenderedReport.figure(dom, name);
    }

    @Test
    @Order(3)
    void aSettledNightIsRefusedAndAForcedRerunRepairsNothingTwice() throws Exception {
        long journals = count("SELECT COUNT(*) FROM ledger_journal");
        Map<String, String> before = breaks(NIGHT);
        Map<String, String> payoutsBefore = breaksLike("PO-%");
        assertThat(runner.settle(NIGHT, false)).isEqualTo(SettlementRunner.REFUSED);
        assertThat(runner.settle(NIGHT, true)).isZero();
        assertThat(count("SELECT COUNT(*) FROM recon_repair")).isEqualTo(2);
        assertThat(count("SELECT COUNT(*) FROM ledger_journal")).isEqualTo(journals);
        assertThat(breaks(NIGHT)).isEqualTo(before);
        assertThat(breaksLike("PO-%")).isEqualTo(payoutsBefore);
        assertThat(count("SELECT COUNT(*) FROM payment_record WHERE business_date = '"
                + NIGHT + "'")).isEqualTo(MATCHED_CASH + 7 + 3);
        // The rerun matches what the first run repaired; its bridge counts each token once.
        List<String> bridge = Files.readAllLines(reports.resolve(NIGHT.toString())
                .resolve("bridge.csv"));
        assertThat(bridge).filteredOn(line -> line.contains(",RESIDUAL,")).hasSize(5)
                .allMatch(line -> line.endsWith(",0"));
        assertThat(bridge).contains("CPN,LEDGER,MATCHED,," + (MATCHED_COUPONS + 1) + ","
                + (MATCHED_COUPONS + 300));
        assertLedgerBalanced();
    }

    @Test
    @Order(4)
    void aRunThatFailsInsideTheMatchResumesToTheSameOutputsAsAnUninterruptedRun()
            throws Exception {
        WRITES_BEFORE_FAILURE.set(2);
        assertThat(runner.settle(FAULT_NIGHT, false)).isEqualTo(1);
        assertThat(runner.lastExecution().getStepExecutions().stream()
                .filter(step -> step.getStepName().equals("match")).findFirst().orElseThrow()
                .getStatus().name()).isEqualTo("FAILED");
        assertThat(runner.settle(FAULT_NIGHT, false)).isZero();
        assertThat(runner.settle(CLEAN_NIGHT, false)).isZero();

        // The same data on another date, settled without a fault: equal row for row and file
        // for file, once the date itself (and the ids it is part of) is set aside.
        assertThat(normalized(breaks(FAULT_NIGHT), FAULT_NIGHT))
                .isEqualTo(normalized(breaks(CLEAN_NIGHT), CLEAN_NIGHT));
        assertThat(normalized(breaksLike("PO-" + FAULT_NIGHT.getDayOfMonth() + "%"), FAULT_NIGHT))
                .isEqualTo(normalized(breaksLike("PO-" + CLEAN_NIGHT.getDayOfMonth() + "%"),
                        CLEAN_NIGHT));
        assertThat(normalized(reportFiles(FAULT_NIGHT), FAULT_NIGHT))
                .isEqualTo(normalized(reportFiles(CLEAN_NIGHT), CLEAN_NIGHT));
        assertThat(breaks(FAULT_NIGHT)).hasSize(8);
    }

    @Test
    @Order(5)
    void aBreakSeenAgainAgesAndOneThatDisappearsIsClearedWithItsDate() throws Exception {
        LocalDate next = NIGHT.plusDays(1);
        Night night = new Night(NIGHT);
        // The channel funds the unpaid token and pays the unpaid withdrawal a day late.
        Files.writeString(statements.resolve("payments-" + next + ".csv"), RedrainCsvFormat.HEADER
                + "\n" + night.no(9_004) + ",CH-late-1,FUNDING,800,CNY,SUCCESS,"
                + Instant.EPOCH + "\n" + night.payoutNo(2) + ",CH-late-2,PAYOUT,100,CNY,SUCCESS,"
                + Instant.EPOCH + "\n", StandardCharsets.UTF_8);
        assertThat(runner.settle(next, false)).isZero();
        assertThat(jdbc.queryForMap("SELECT status, first_seen_date, cleared_date FROM recon_break"
                + " WHERE out_trade_no = ? AND category = 'CREDITED_NOT_PAID'", night.no(9_004)))
                .containsEntry("status", "CLEARED").containsEntry("first_seen_date",
                        java.sql.Date.valueOf(NIGHT)).containsEntry("cleared_date",
                                java.sql.Date.valueOf(next));
        assertThat(jdbc.queryForObject("SELECT cleared_date FROM recon_break WHERE out_trade_no"
                + " = ? AND category = 'CREDITED_NOT_PAID'", java.sql.Date.class,
                night.payoutNo(2))).isEqualTo(java.sql.Date.valueOf(next));
        // Still broken: the same row, one night older.
        assertThat(jdbc.queryForMap("SELECT status, first_seen_date, last_seen_date FROM"
                + " recon_break WHERE out_trade_no = ? AND category = 'CREDITED_NOT_ISSUED'",
                night.no(9_003))).containsEntry("status", "OPEN").containsEntry(
                        "first_seen_date", java.sql.Date.valueOf(NIGHT)).containsEntry(
                                "last_seen_date", java.sql.Date.valueOf(next));
        List<String> age = Files.readAllLines(reports.resolve(next.toString())
                .resolve("breaks-CREDITED_NOT_ISSUED.csv"));
        assertThat(age).anyMatch(line -> line.startsWith(night.no(9_003))
                && line.contains("," + NIGHT + ",1,OPEN,"));
        assertThat(Files.readString(reports.resolve(next.toString()).resolve("cleared.csv")))
                .contains(night.no(9_004) + ",CREDITED_NOT_PAID", night.payoutNo(2)
                        + ",CREDITED_NOT_PAID");
        // The next night's report tracks them: the old ones persisting, the two cleared
        // resolved, nothing new.
        String page = Files.readString(reports.resolve(next.toString()).resolve("report.html"));
        assertThat(figure(page, "new-breaks")).isEqualTo("0");
        assertThat(Long.parseLong(figure(page, "persisting-breaks"))).isEqualTo(count(
                "SELECT COUNT(*) FROM recon_break WHERE last_seen_date = '" + next + "' AND"
                        + " status IN ('OPEN', 'UNPROVEN')")).isPositive();
        assertThat(Long.parseLong(figure(page, "resolved-breaks"))).isGreaterThanOrEqualTo(2);
    }

    /** Keys and values with the night's date, and the journal ids repairs made, replaced. */
    private static Map<String, String> normalized(Map<String, String> rows, LocalDate night) {
        Map<String, String> out = new java.util.TreeMap<>();
        rows.forEach((key, value) -> out.put(normalize(key, night), normalize(value, night)));
        return out;
    }

    private static String normalize(String text, LocalDate night) {
        return text.replace(night.toString(), "DATE").replace(night.toString().replace("-", ""),
                "YMD").replace("PO-" + night.getDayOfMonth() + "0", "PO-DD0")
                .replaceAll("journal [0-9]+", "journal N")
                // The report's header names its own run, time and statement checksum.
                .replaceAll("data-figure=\"(run-id|generated-at|statement-sha256)\">[^<]*<",
                        "data-figure=\"$1\">HEADER<");
    }

    private static Path tempDirectory(String name) {
        try {
            return Files.createTempDirectory(name);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    /** Breaks of a night's tokens: outTradeNo -> category|legs|amount|status (one per token). */
    private Map<String, String> breaks(LocalDate night) {
        return breaksLike(night.toString().replace("-", "") + "%");
    }

    private Map<String, String> breaksLike(String pattern) {
        Map<String, String> rows = new LinkedHashMap<>();
        jdbc.query("SELECT out_trade_no, category, legs, amount_minor, status FROM recon_break"
                + " WHERE out_trade_no LIKE ? ORDER BY out_trade_no, category", rs -> {
                    rows.merge(rs.getString(1), rs.getString(2) + "|" + rs.getString(3) + "|"
                            + rs.getLong(4) + "|" + rs.getString(5), (a, b) -> a + ";" + b);
                }, pattern);
        return rows;
    }

    private Map<String, String> reportFiles(LocalDate night) throws Exception {
        Map<String, String> files = new java.util.TreeMap<>();
        try (var list = Files.list(reports.resolve(night.toString()))) {
            for (Path file : list.toList()) {
                String name = file.getFileName().toString();
                // The PDF is laid out from report.html, compared here; its text is checked
                // against the figures in theHtmlReportRendersInHeadlessChromiumWithTheTotals.
                files.put(name, name.endsWith(".pdf") ? "PDF" : withoutOtherNights(name,
                        Files.readString(file)));
            }
        }
        return files;
    }

    /** The trend names the nights before this one: they are set aside too. */
    private static String withoutOtherNights(String name, String text) {
        String html = text.replaceAll("data-night=\"[^\"]*\"([^>]*)>[^<]*<",
                "data-night=\"N\"$1>N<");
        return name.equals("trend.csv") ? html.replaceAll("\\d{4}-\\d{2}-\\d{2}", "N") : html;
    }

    private static String pdfText(Path pdf) throws java.io.IOException {
        return RenderedReport.pdfText(pdf);
    }

    private long count(String sql) {
        return jdbc.queryForObject(sql, Long.class);
    }

    private void assertLedgerBalanced() {
        assertThat(count("SELECT COALESCE(SUM(amount_minor), 0) FROM ledger_entry")).isZero();
        assertThat(count("SELECT COUNT(*) FROM ledger_account a WHERE a.balance_minor <>"
                + " (SELECT COALESCE(SUM(e.amount_minor), 0) FROM ledger_entry e"
                + " WHERE e.account_id = a.account_id)")).isZero();
    }

    /** One night's seeded data: the three legs, written the way each part writes them. */
    static final class Night {
        final LocalDate date;
        final List<String> numbers = new ArrayList<>();
        private final OutTradeNoGenerator generator;
        private final Map<Integer, String> special = new LinkedHashMap<>();
        private final RedisKeys keys = new RedisKeys(REDIS.namespace());

        Night(LocalDate date) {
            this.date = date;
            ZoneId shanghai = ZoneId.of("Asia/Shanghai");
            this.generator = new OutTradeNoGenerator(Clock.fixed(date.atTime(20, 0)
                    .atZone(shanghai).toInstant(), shanghai), shanghai, "7K2M9QX4TB");
            for (int i = 0; i < MATCHED_CASH + MATCHED_COUPONS + 10_000; i++) {
                numbers.add(generator.next());
            }
        }

        /** Token i's outTradeNo: 0.. matched cash, then coupons; 9_001.. the breaks. */
        String no(int i) {
            return numbers.get(i);
        }

        String actId(int i) {
            return "A" + (i % 300);
        }

        String tokenKey(int i) {
            return keys.token(actId(i), no(i));
        }

        long amount(int i) {
            return 1 + (i % 97);
        }

        long matchedCashMinor() {
            long sum = 0;
            for (int i = 0; i < MATCHED_CASH; i++) {
                sum += amount(i);
            }
            return sum;
        }

        void seed() throws Exception {
            LedgerWriter ledger = new LedgerWriter(DB.dataSource(), Clock.systemUTC());
            List<CreditRequest> credits = new ArrayList<>();
            StringBuilder statement = new StringBuilder(RedrainCsvFormat.HEADER).append('\n');
            AtomicInteger ref = new AtomicInteger();
            for (int i = 0; i < MATCHED_CASH; i++) {
                redis(i, "CREDITED", amount(i), "CNY", "CASH", Instant.EPOCH);
                credits.add(credit(i, amount(i), "CNY", "CASH"));
                line(statement, i, ref, amount(i), "SUCCESS");
            }
            for (int i = MATCHED_CASH; i < MATCHED_CASH + MATCHED_COUPONS; i++) {
                redis(i, "CREDITED", 1, "CPN", "COUPON", Instant.EPOCH);
                credits.add(credit(i, 1, "CPN", "COUPON"));
            }
            Instant longAgo = Instant.parse("2026-11-01T00:00:00Z");
            // ISSUED_NOT_CREDITED, old enough to repair (a coupon: no payment leg), and a
            // proven grant: its proof verifies and its event is in the outbox.
            TokenIssued proven = GrantFixtures.event(no(9_001), actId(9_001), "act-formal",
                    "tpl-coupon", "COUPON", 300, "CPN", longAgo);
            REDIS.commands().hset(keys.token(actId(9_001), no(9_001)),
                    GrantFixtures.hash(proven, "ISSUED"));
            GrantFixtures.outbox(new JdbcTemplate(DB.dataSource()), Topics.DEFAULT, proven);
            // ISSUED_NOT_CREDITED within the grace period: left to the stream.
            redis(9_002, "ISSUED", 400, "CPN", "COUPON", Instant.now());
            // CREDITED_NOT_ISSUED: booked and funded, unknown to Redis.
            credits.add(credit(9_003, 700, "CNY", "CASH"));
            line(statement, 9_003, ref, 700, "SUCCESS");
            // CREDITED_NOT_PAID: cash booked, never funded (a FAILED line does not count).
            redis(9_004, "CREDITED", 800, "CNY", "CASH", longAgo);
            credits.add(credit(9_004, 800, "CNY", "CASH"));
            line(statement, 9_004, ref, 800, "FAILED");
            // PAID_NOT_CREDITED: the channel moved money nobody booked.
            line(statement, 9_005, ref, 900, "SUCCESS");
            // AMOUNT_MISMATCH: the channel moved 450 of 500.
            redis(9_006, "CREDITED", 500, "CNY", "CASH", longAgo);
            credits.add(credit(9_006, 500, "CNY", "CASH"));
            line(statement, 9_006, ref, 450, "SUCCESS");
            // DUPLICATE: funded twice.
            redis(9_007, "CREDITED", 500, "CNY", "CASH", longAgo);
            credits.add(credit(9_007, 500, "CNY", "CASH"));
            line(statement, 9_007, ref, 500, "SUCCESS");
            line(statement, 9_007, ref, 500, "SUCCESS");
            // STATUS_MISMATCH: booked and funded, Redis still says ISSUED.
            redis(9_008, "ISSUED", 600, "CNY", "CASH", longAgo);
            credits.add(credit(9_008, 600, "CNY", "CASH"));
            line(statement, 9_008, ref, 600, "SUCCESS");
            // Two bad lines, skipped and reported with their line numbers.
            statement.append(no(9_009)).append(",CH-bad-1,FUNDING,-5,CNY,SUCCESS,")
                    .append(Instant.EPOCH).append('\n');
            statement.append("garbage,line,here\n");
            for (int start = 0; start < credits.size(); start += 500) {
                ledger.creditBatch(credits.subList(start, Math.min(credits.size(),
                        start + 500)));
            }
            // Withdrawals and the channel's payout lines: paid and matched; paid without a
            // line; failed and reversed but paid by the channel; paid 90 of 100.
            payout(statement, ref, 1, "PAID", 100L);
            payout(statement, ref, 2, "PAID", null);
            payout(statement, ref, 3, "PAYOUT_FAILED", 100L);
            payout(statement, ref, 4, "PAID", 90L);
            if (date.equals(NIGHT)) {
                // Debited, the channel's answer lost: no break (nothing says it was paid), but
                // finance sees it as unknown, with its age, until it is settled.
                payout(statement, ref, 5, "DEBITED", null);
            }
            Files.writeString(statements.resolve("payments-" + date + ".csv"), statement,
                    StandardCharsets.UTF_8);
        }

        String payoutNo(int n) {
            return "PO-" + date.getDayOfMonth() + "0" + n + "-1";
        }

        private void payout(StringBuilder statement, AtomicInteger ref, int n, String status,
                Long paidMinor) {
            String actId = actId(n);
            String debit = "WD-" + date.getDayOfMonth() + "0" + n + "-1";
            WalletLedger wallets = new WalletLedger(DB.dataSource(), Clock.systemUTC());
            wallets.withdraw(debit, actId, Money.of(100, "CNY"), date);
            if (status.equals("PAYOUT_FAILED")) {
                wallets.reverseWithdrawal("WR-" + debit, actId, Money.of(100, "CNY"), date);
            }
            try (var connection = DB.dataSource().getConnection();
                    var insert = connection.prepareStatement("INSERT INTO wallet_withdrawal"
                            + " (act_id, request_id, currency, amount_minor, status,"
                            + " debit_out_trade_no, payout_out_trade_no, attempts) VALUES (?, ?,"
                            + " 'CNY', 100, ?, ?, ?, 1)")) {
                insert.setString(1, actId);
                insert.setString(2, "req-" + date + "-" + n);
                insert.setString(3, status);
                insert.setString(4, debit);
                insert.setString(5, payoutNo(n));
                insert.executeUpdate();
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
            if (paidMinor != null) {
                statement.append(payoutNo(n)).append(",CH-").append(date).append("-po")
                        .append(ref.incrementAndGet()).append(",PAYOUT,").append(paidMinor)
                        .append(",CNY,SUCCESS,").append(Instant.EPOCH).append('\n');
            }
        }

        private void redis(int i, String status, long amount, String currency, String award,
                Instant issuedAt) {
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put(TokenHash.STATUS, status);
            fields.put(TokenHash.OUT_TRADE_NO, no(i));
            fields.put(TokenHash.ACT_ID, actId(i));
            fields.put(TokenHash.ACTIVITY_ID, "act-formal");
            fields.put(TokenHash.STAGE, "FORMAL");
            fields.put(TokenHash.AWARD_TYPE, award);
            fields.put(TokenHash.AMOUNT_MINOR, Long.toString(amount));
            fields.put(TokenHash.CURRENCY, currency);
            fields.put(TokenHash.ISSUED_AT_MS, Long.toString(issuedAt.toEpochMilli()));
            fields.put(TokenHash.TEMPLATE_ID, currency.equals("CNY") ? "tpl-cash" : "tpl-coupon");
            REDIS.commands().hset(keys.token(actId(i), no(i)), fields);
        }

        private CreditRequest credit(int i, long amount, String currency, String award) {
            return new CreditRequest(no(i), actId(i), "act-formal", Stage.FORMAL, award,
                    Money.of(amount, currency), date, CreditSource.STREAM);
        }

        private void line(StringBuilder statement, int i, AtomicInteger ref, long amount,
                String status) {
            statement.append(no(i)).append(",CH-").append(date).append('-')
                    .append(ref.incrementAndGet()).append(",FUNDING,").append(amount)
                    .append(",CNY,").append(status).append(',').append(Instant.EPOCH)
                    .append('\n');
        }
    }
}
