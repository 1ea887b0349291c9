package dev.redrain.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.core.keys.TokenHash;
import dev.redrain.core.ledger.CreditRequest;
import dev.redrain.core.ledger.CreditSource;
import dev.redrain.core.ledger.LedgerWriter;
import dev.redrain.core.ledger.WalletLedger;
import dev.redrain.core.money.Money;
import dev.redrain.core.schema.RedrainSchema;
import dev.redrain.settlement.statement.ChannelBillFormat;
import dev.redrain.testsupport.CatalogRows;
import dev.redrain.testsupport.MariaDbExtension;
import dev.redrain.testsupport.RedisExtension;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A night settled from a channel's bill against real MariaDB and Redis: a gzipped bill with its
 * checksum, backtick cells and major units, fees charged by the contract (0.6% of funding, 1.00
 * CNY per payout batch), one partly failed batch, a bank refund, and two credited tokens the
 * bill does not fund yet (the contract gives funding a day's grace). In order: the night settles
 * with exactly the fee and refund breaks, the two tokens as timing items, and a bridge with a
 * zero residual; a bill whose bytes no longer match its checksum, or whose summary does not tie,
 * is refused whole, imports nothing and leaves a settled night as it was; on a later night one
 * timing item is funded and clears, the other's grace has ended and it is a break.
 */
@SpringBootTest(properties = {"redrain.settlement.command-line=false",
    "redrain.settlement.statement-format=channel-bill",
    "redrain.settlement.channel-zone=Asia/Shanghai",
    "redrain.settlement.funding-fee-ppm=6000",
    "redrain.settlement.payout-fee-ppm=0",
    "redrain.settlement.batch-fee-minor=100",
    "redrain.settlement.grace.CREDITED_NOT_PAID=P1D"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChannelBillNightITCase {
    @RegisterExtension
    static final MariaDbExtension DB = new MariaDbExtension().afterCreate(RedrainSchema::migrate);
    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    static final ZoneId CHANNEL_ZONE = ZoneId.of("Asia/Shanghai");
    static final LocalDate NIGHT = LocalDate.of(2026, 11, 25);
    static final LocalDate TAMPERED_NIGHT = NIGHT.plusDays(1);
    static final LocalDate LATER_NIGHT = NIGHT.plusDays(2);
    /** Tokens funded on the night's bill; two more are credited and not funded yet. */
    static final int TOKENS = 40;
    static final int UNBILLED = 2;
    /** Token 0's fee: three fen over the contract's. */
    static final long OVERCHARGE_MINOR = 3;
    static final Path statements = directory("bills");
    static final Path reports = directory("reports");

    @Autowired
    SettlementRunner runner;
    @Autowired
    JdbcTemplate jdbc;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        SettlementItProperties.register(registry, DB, REDIS, statements, reports);
    }

    @BeforeAll
    static void seed() throws Exception {
        CatalogRows.uniformTemplate(DB.dataSource(), "act", "act-formal", "FORMAL", "tpl-cash",
                "CASH", "CNY", 1_000, 10_000_000);
        Tokens tokens = new Tokens(NIGHT);
        Bill bill = new Bill(NIGHT);
        tokens.seed(bill);
        // Batch B1: three withdrawals, one the channel failed; the wallet reversed it. The bank
        // later returned the third's money. B2: one withdrawal, its batch fee overcharged.
        payout(tokens, 1, "PAID");
        payout(tokens, 2, "PAYOUT_FAILED");
        payout(tokens, 3, "PAID");
        payout(tokens, 4, "PAID");
        payoutLines(bill);
        bill.write(statements);
    }

    /** The night's bill as the channel sent it, again (the seed's rows stay as they are). */
    private static void writeNight() throws Exception {
        Bill bill = new Bill(NIGHT);
        new Tokens(NIGHT).lines(bill);
        payoutLines(bill);
        bill.write(statements);
    }

    private static void payoutLines(Bill bill) {
        bill.payout(payoutNo(1), "B1", "SUCCESS", 100);
        bill.payout(payoutNo(2), "B1", "FAILED", 100);
        bill.payout(payoutNo(3), "B1", "SUCCESS", 100);
        bill.batch("B1", "PARTIAL", 200);
        bill.batchFee("B1", 100);
        bill.payout(payoutNo(4), "B2", "SUCCESS", 100);
        bill.batch("B2", "SUCCESS", 100);
        bill.batchFee("B2", 150);
        bill.refund(payoutNo(3), 100);
    }

    @Test
    @Order(1)
    void aChannelBillNightBooksTheContractsFeesAndBreaksOnlyWhatDiffers() throws Exception {
        assertThat(runner.settle(NIGHT, false)).isZero();
        Tokens tokens = new Tokens(NIGHT);
        assertThat(breaks()).containsExactlyInAnyOrderEntriesOf(Map.of(
                tokens.no(0) + "/FEE_MISMATCH", "PAYMENT,CONTRACT|" + OVERCHARGE_MINOR + "|OPEN",
                "B2/FEE_MISMATCH", "PAYMENT,CONTRACT|50|OPEN",
                payoutNo(3) + "/PAYOUT_RETURNED", "LEDGER,PAYMENT|100|OPEN",
                tokens.no(TOKENS) + "/CREDITED_NOT_PAID", "LEDGER,PAYMENT|1040|EXPECTED",
                tokens.no(TOKENS + 1) + "/CREDITED_NOT_PAID", "LEDGER,PAYMENT|1041|EXPECTED"));
        // Expected until the next night's cut-off (midnight on the channel's clock), in UTC.
        assertThat(jdbc.queryForObject("SELECT DISTINCT expected_until FROM recon_break WHERE"
                + " status = 'EXPECTED'", java.sql.Timestamp.class).toInstant())
                .isEqualTo(Instant.parse("2026-11-26T16:00:00Z"));
        Path folder = reports.resolve(NIGHT.toString());
        assertThat(Files.readAllLines(folder.resolve("summary.csv"))).contains(
                "EXPECTED,CREDITED_NOT_PAID,,2,CNY,2081").noneMatch(line -> line.startsWith(
                        "BREAK,CREDITED_NOT_PAID"));
        assertThat(Files.readAllLines(folder.resolve("breaks-CREDITED_NOT_PAID.csv")))
                .hasSize(1);
        // The bridge: every leg to a zero residual; the funding leg's fees and net cash.
        List<String> bridge = Files.readAllLines(folder.resolve("bridge.csv"));
        long fees = tokens.contractFeesMinor() + OVERCHARGE_MINOR;
        assertThat(bridge).contains("CNY,LEDGER,TOTAL,," + (TOKENS + UNBILLED) + ","
                + (tokens.grossMinor() + 2081), "CNY,LEDGER,EXPECTED,CREDITED_NOT_PAID,2,2081",
                "CNY,PAYMENT,BREAK,FEE_MISMATCH,1," + tokens.amountMinor(0),
                "CNY,PAYMENT,FEES,,," + fees, "CNY,PAYMENT,NET,,,"
                        + (tokens.grossMinor() - fees));
        assertThat(bridge).filteredOn(line -> line.contains(",RESIDUAL,")).hasSize(3)
                .allMatch(line -> line.endsWith(",0"));
        // Every detail row imported, with the bill's fee and batch, in minor units.
        assertThat(count("SELECT COUNT(*) FROM payment_record WHERE business_date = '" + NIGHT
                + "'")).isEqualTo(TOKENS + 4 + 2 + 2 + 1);
        assertThat(count("SELECT SUM(fee_minor) FROM payment_record WHERE payment_kind ="
                + " 'FUNDING'")).isEqualTo(tokens.contractFeesMinor() + OVERCHARGE_MINOR);
        assertThat(count("SELECT SUM(amount_minor) FROM payment_record WHERE payment_kind ="
                + " 'FUNDING'")).isEqualTo(tokens.grossMinor());
        assertThat(jdbc.queryForList("SELECT CONCAT(out_trade_no, ':', batch_ref) FROM"
                + " payment_record WHERE payment_kind = 'PAYOUT' ORDER BY out_trade_no",
                String.class)).containsExactly(payoutNo(1) + ":B1", payoutNo(2) + ":B1",
                        payoutNo(3) + ":B1", payoutNo(4) + ":B2");
        assertThat(count("SELECT COUNT(*) FROM recon_import_error")).isZero();
        assertThat(jdbc.queryForObject("SELECT status FROM settlement_run WHERE business_date"
                + " = ? ORDER BY run_id DESC LIMIT 1", String.class, NIGHT))
                .isEqualTo("COMPLETED");
        theReportShowsTheBillsBreaksFeesTimingAndPayouts(folder, fees);
    }

    /**
     * The rendered report of the bill's night, as a finance reader sees it: the categories the
     * other night's report has not (a fee not the contract's, a payout the bank returned),
     * timing items, the fees in the bridge, withdrawals by outcome; the PDF says the same.
     */
    private static void theReportShowsTheBillsBreaksFeesTimingAndPayouts(Path folder,
            long feesMinor) throws Exception {
        String page = RenderedReport.dom(folder.resolve("report.html"));
        assertThat(page).contains(">FEE_MISMATCH<").contains(">PAYOUT_RETURNED<");
        assertThat(RenderedReport.figure(page, "break-count")).isEqualTo("3");
        assertThat(RenderedReport.figure(page, "expected-count")).isEqualTo("2");
        assertThat(page).contains(Money.of(feesMinor, "CNY").display());
        assertThat(RenderedReport.figure(page, "residual-CNY-PAYMENT")).isEqualTo("0.00 CNY");
        assertThat(RenderedReport.figure(page, "withdrawn-PAID-CNY")).isEqualTo("3.00 CNY");
        assertThat(RenderedReport.figure(page, "withdrawn-PAYOUT_FAILED-CNY"))
                .isEqualTo("1.00 CNY");
        assertThat(page).contains(payoutNo(3));
        String pdf = RenderedReport.pdfText(folder.resolve("report.pdf"));
        assertThat(pdf).contains("PAYOUT_RETURNED").contains("FEE_MISMATCH")
                .contains(Money.of(feesMinor, "CNY").display()).contains("3.00 CNY");
    }

    @Test
    @Order(2)
    void aBillThatNoLongerMatchesItsChecksumIsRefusedWholeAndImportsNothing() throws Exception {
        Bill bill = new Bill(TAMPERED_NIGHT);
        new Tokens(TAMPERED_NIGHT).lines(bill);
        Path file = bill.write(statements);
        // One fee cell changed after the channel signed the file off with its checksum.
        byte[] tampered = gzip(bill.text().replaceFirst("`0\\.0[0-9],", "`0.00,"));
        Files.write(file, tampered);
        assertThat(runner.settle(TAMPERED_NIGHT, false)).isEqualTo(1);
        assertThat(lastRun(TAMPERED_NIGHT)).startsWith("FAILED|").contains("SHA-256");
        assertThat(count("SELECT COUNT(*) FROM payment_record WHERE business_date = '"
                + TAMPERED_NIGHT + "'")).isZero();
        assertThat(count("SELECT COUNT(*) FROM recon_break WHERE first_seen_date = '"
                + TAMPERED_NIGHT + "'")).isZero();
    }

    @Test
    @Order(3)
    void aForcedRerunFromABillWhoseSummaryDoesNotTieLeavesTheSettledNightAsItWas()
            throws Exception {
        Map<String, String> before = breaks();
        long records = count("SELECT COUNT(*) FROM payment_record WHERE business_date = '"
                + NIGHT + "'");
        Bill bill = new Bill(NIGHT);
        new Tokens(NIGHT).lines(bill);
        bill.summaryOffMinor = 1;
        bill.write(statements);
        assertThat(runner.settle(NIGHT, true)).isEqualTo(1);
        assertThat(lastRun(NIGHT)).startsWith("FAILED|").contains("the summary states");
        assertThat(count("SELECT COUNT(*) FROM payment_record WHERE business_date = '" + NIGHT
                + "'")).isEqualTo(records);
        assertThat(breaks()).isEqualTo(before);
    }

    /**
     * Finance signed the night by its report's SHA-256 (the row the workflow writes): a forced
     * rerun gets a new run and writes its report beside the signed one, which keeps its bytes.
     */
    @Test
    @Order(4)
    void aForcedRerunOfASignedNightKeepsTheSignedReport() throws Exception {
        Map<String, Object> signedFile = jdbc.queryForMap("SELECT f.run_id, f.file_path,"
                + " f.sha256_hex FROM settlement_report_file f JOIN settlement_run r ON"
                + " r.run_id = f.run_id WHERE r.business_date = ? AND r.status = 'COMPLETED'"
                + " AND f.file_name = 'report.html' ORDER BY f.run_id DESC LIMIT 1", NIGHT);
        long signedRun = ((Number) signedFile.get("run_id")).longValue();
        jdbc.update("INSERT INTO night_signoff (business_date, run_id, report_sha256,"
                + " signed_by, signed_at, note) VALUES (?, ?, ?, 'fin-ana', NOW(3), 'test')",
                NIGHT, signedRun, signedFile.get("sha256_hex"));
        Path signedReport = Path.of((String) signedFile.get("file_path"));
        byte[] signedBytes = Files.readAllBytes(signedReport);
        // Finance resolved the token's overcharged fee (claimed back from the channel).
        Tokens tokens = new Tokens(NIGHT);
        long feeBreak = count("SELECT break_id FROM recon_break WHERE out_trade_no = '"
                + tokens.no(0) + "' AND category = 'FEE_MISMATCH'");
        jdbc.update("INSERT INTO break_case (break_id, state, resolution, resolved_amount_minor,"
                + " resolved_by, resolved_at) VALUES (?, 'RESOLVED', 'CHANNEL_ERROR', ?,"
                + " 'fin-ben', NOW(3))", feeBreak, OVERCHARGE_MINOR);
        writeNight();

        assertThat(runner.settle(NIGHT, true)).isZero();
        assertThat(runner.settle(NIGHT, true)).isZero(); // seen again: still resolved

        assertThat(Files.readAllBytes(signedReport)).isEqualTo(signedBytes);
        Map<String, Object> rerun = jdbc.queryForMap("SELECT run_id, file_path FROM"
                + " settlement_report_file WHERE file_name = 'report.html' ORDER BY run_id DESC"
                + " LIMIT 1");
        long rerunId = ((Number) rerun.get("run_id")).longValue();
        assertThat(rerunId).isGreaterThan(signedRun);
        assertThat(Path.of((String) rerun.get("file_path"))).isEqualTo(signedReport.getParent()
                .resolve("rerun-" + rerunId).resolve("report.html")).exists();
        assertThat(jdbc.queryForObject("SELECT status FROM recon_break WHERE break_id = ?",
                String.class, feeBreak)).isEqualTo("RESOLVED");
        Path rerunFolder = Path.of((String) rerun.get("file_path")).getParent();
        List<String> bridge = Files.readAllLines(rerunFolder.resolve("bridge.csv"));
        assertThat(bridge).contains("CNY,PAYMENT,RESOLVED,FEE_MISMATCH,1,"
                + tokens.amountMinor(0)).noneMatch(line -> line.startsWith(
                        "CNY,PAYMENT,BREAK,FEE_MISMATCH"));
        assertThat(bridge).filteredOn(line -> line.contains(",RESIDUAL,")).hasSize(3)
                .allMatch(line -> line.endsWith(",0"));
    }

    @Test
    @Order(5)
    void aTimingItemClearsWhenItsFundingArrivesAndTheOtherBecomesABreakWhenItsGraceEnds()
            throws Exception {
        Tokens tokens = new Tokens(NIGHT);
        Bill bill = new Bill(LATER_NIGHT);
        bill.funding(tokens.no(TOKENS), tokens.amountMinor(TOKENS),
                tokens.contractFeeMinor(TOKENS));
        bill.write(statements);
        assertThat(runner.settle(LATER_NIGHT, false)).isZero();
        assertThat(jdbc.queryForMap("SELECT status, cleared_date FROM recon_break WHERE"
                + " out_trade_no = ?", tokens.no(TOKENS))).containsEntry("status", "CLEARED")
                .containsEntry("cleared_date", java.sql.Date.valueOf(LATER_NIGHT));
        assertThat(jdbc.queryForMap("SELECT status, first_seen_date, last_seen_date FROM"
                + " recon_break WHERE out_trade_no = ?", tokens.no(TOKENS + 1)))
                .containsEntry("status", "OPEN")
                .containsEntry("first_seen_date", java.sql.Date.valueOf(NIGHT))
                .containsEntry("last_seen_date", java.sql.Date.valueOf(LATER_NIGHT));
    }

    @Test
    @Order(6)
    void aTokenTheChannelFundedInTwoPartsIsMatchedWithEachPartsFee() throws Exception {
        LocalDate night = NIGHT.plusDays(5);
        ZoneId zone = CHANNEL_ZONE;
        String no = new OutTradeNoGenerator(Clock.fixed(night.atTime(20, 0).atZone(zone)
                .toInstant(), zone), zone, "7K2M9QX4TB").next();
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put(TokenHash.STATUS, "CREDITED");
        fields.put(TokenHash.OUT_TRADE_NO, no);
        fields.put(TokenHash.ACT_ID, "A-split");
        fields.put(TokenHash.ACTIVITY_ID, "act-formal");
        fields.put(TokenHash.STAGE, "FORMAL");
        fields.put(TokenHash.AWARD_TYPE, "CASH");
        fields.put(TokenHash.AMOUNT_MINOR, "500");
        fields.put(TokenHash.CURRENCY, "CNY");
        fields.put(TokenHash.ISSUED_AT_MS, "0");
        fields.put(TokenHash.TEMPLATE_ID, "tpl-cash");
        REDIS.commands().hset(new RedisKeys(REDIS.namespace()).token("A-split", no), fields);
        new LedgerWriter(DB.dataSource(), Clock.systemUTC()).creditBatch(List.of(
                new CreditRequest(no, "A-split", "act-formal", Stage.FORMAL, "CASH",
                        Money.of(500, "CNY"), night, CreditSource.STREAM)));
        // 2.50 + 2.50 CNY at 0.6%: 1.5 fen each, 2 each rounded half up (the whole owes 3).
        Bill bill = new Bill(night);
        bill.funding(no, 250, 2);
        bill.funding(no, 250, 2);
        bill.write(statements);
        assertThat(runner.settle(night, false)).isZero();
        assertThat(count("SELECT COUNT(*) FROM payment_record WHERE out_trade_no = '" + no
                + "'")).isEqualTo(2);
        assertThat(breaks().keySet()).noneMatch(key -> key.startsWith(no));
        List<String> bridge = Files.readAllLines(reports.resolve(night.toString())
                .resolve("bridge.csv"));
        assertThat(bridge).filteredOn(line -> line.contains(",RESIDUAL,"))
                .allMatch(line -> line.endsWith(",0"));
    }

    @Test
    @Order(7)
    void aWithdrawalTheChannelPaidInTwoPartsIsMatched() throws Exception {
        LocalDate night = NIGHT.plusDays(6);
        String actId = new Tokens(NIGHT).actId(5);
        paidWithdrawal(actId, "S1", night);
        // 10.00 CNY sent as 6.00 and 4.00 in one batch: neither part is the whole.
        Bill bill = new Bill(night);
        bill.payout("PO-S1", "B9", "SUCCESS", 600);
        bill.payout("PO-S1", "B9", "SUCCESS", 400);
        bill.batch("B9", "SUCCESS", 1_000);
        bill.batchFee("B9", 100);
        bill.write(statements);
        assertThat(runner.settle(night, false)).isZero();
        assertThat(count("SELECT COUNT(*) FROM payment_record WHERE out_trade_no = 'PO-S1'"
                + " AND payment_kind = 'PAYOUT'")).isEqualTo(2);
        assertThat(breaks().keySet()).noneMatch(key -> key.startsWith("PO-S1"));

        // The same parts short of the withdrawal: the channel paid 1.00 CNY less.
        LocalDate shortNight = night.plusDays(1);
        paidWithdrawal(actId, "S2", shortNight);
        Bill shortBill = new Bill(shortNight);
        shortBill.payout("PO-S2", "B10", "SUCCESS", 500);
        shortBill.payout("PO-S2", "B10", "SUCCESS", 400);
        shortBill.batch("B10", "SUCCESS", 900);
        shortBill.batchFee("B10", 100);
        shortBill.write(statements);
        runner.settle(shortNight, false);
        assertThat(breaks()).hasEntrySatisfying("PO-S2/AMOUNT_MISMATCH", row ->
                assertThat(row).contains("|100|"));
        assertThat(breaks().keySet()).noneMatch(key -> key.equals("PO-S2/DUPLICATE"));
    }

    /** A 10.00 CNY withdrawal debited on {@code night}, PAID, as payout PO-{@code id}. */
    private static void paidWithdrawal(String actId, String id, LocalDate night) {
        new WalletLedger(DB.dataSource(), Clock.systemUTC()).withdraw("WD-" + id, actId,
                Money.of(1_000, "CNY"), night);
        new JdbcTemplate(DB.dataSource()).update("INSERT INTO wallet_withdrawal (act_id,"
                + " request_id, currency, amount_minor, status, debit_out_trade_no,"
                + " payout_out_trade_no, attempts) VALUES (?, ?, 'CNY', 1000, 'PAID', ?, ?, 1)",
                actId, "req-" + id, "WD-" + id, "PO-" + id);
    }

    // ---- helpers -----------------------------------------------------------------------------

    /** Open breaks: outTradeNo/category -> legs|amount|status. */
    private Map<String, String> breaks() {
        Map<String, String> rows = new LinkedHashMap<>();
        jdbc.query("SELECT out_trade_no, category, legs, amount_minor, status FROM recon_break"
                + " ORDER BY out_trade_no, category", rs -> {
                    rows.put(rs.getString(1) + "/" + rs.getString(2), rs.getString(3) + "|"
                            + rs.getLong(4) + "|" + rs.getString(5));
                });
        return rows;
    }

    private String lastRun(LocalDate date) {
        return jdbc.queryForObject("SELECT CONCAT(status, '|', COALESCE(summary, '')) FROM"
                + " settlement_run WHERE business_date = ? ORDER BY run_id DESC LIMIT 1",
                String.class, date);
    }

    private long count(String sql) {
        return jdbc.queryForObject(sql, Long.class);
    }

    static String payoutNo(int n) {
        return "PO-B" + n;
    }

    private static void payout(Tokens tokens, int n, String status) throws Exception {
        String actId = tokens.actId(n);
        String debit = "WD-B" + n;
        WalletLedger wallets = new WalletLedger(DB.dataSource(), Clock.systemUTC());
        wallets.withdraw(debit, actId, Money.of(100, "CNY"), NIGHT);
        if (status.equals("PAYOUT_FAILED")) {
            wallets.reverseWithdrawal("WR-" + debit, actId, Money.of(100, "CNY"), NIGHT);
        }
        new JdbcTemplate(DB.dataSource()).update("INSERT INTO wallet_withdrawal (act_id,"
                + " request_id, currency, amount_minor, status, debit_out_trade_no,"
                + " payout_out_trade_no, attempts) VALUES (?, ?, 'CNY', 100, ?, ?, ?, 1)",
                actId, "req-" + n, status, debit, payoutNo(n));
    }

    private static Path directory(String name) {
        try {
            return Files.createTempDirectory(name);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] gzip(String text) throws IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    /** A night's cash tokens, credited and in Redis, each funded on the bill. */
    static final class Tokens {
        private final List<String> numbers = new ArrayList<>();

        Tokens(LocalDate date) {
            OutTradeNoGenerator generator = new OutTradeNoGenerator(Clock.fixed(date.atTime(20,
                    0).atZone(CHANNEL_ZONE).toInstant(), CHANNEL_ZONE), CHANNEL_ZONE,
                    "7K2M9QX4TB");
            for (int i = 0; i < TOKENS + UNBILLED; i++) {
                numbers.add(generator.next());
            }
        }

        String no(int i) {
            return numbers.get(i);
        }

        String actId(int i) {
            return "A" + i;
        }

        /** 10.00 to 10.41 CNY: fees at 0.6% of 6 fen, some rounded half up. */
        long amountMinor(int i) {
            return 1_000 + i;
        }

        long contractFeeMinor(int i) {
            return (amountMinor(i) * 6_000 + 500_000) / 1_000_000;
        }

        long contractFeesMinor() {
            long sum = 0;
            for (int i = 0; i < TOKENS; i++) {
                sum += contractFeeMinor(i);
            }
            return sum;
        }

        long grossMinor() {
            long sum = 0;
            for (int i = 0; i < TOKENS; i++) {
                sum += amountMinor(i);
            }
            return sum;
        }

        void seed(Bill bill) throws Exception {
            RedisKeys keys = new RedisKeys(REDIS.namespace());
            List<CreditRequest> credits = new ArrayList<>();
            for (int i = 0; i < TOKENS + UNBILLED; i++) {
                Map<String, String> fields = new LinkedHashMap<>();
                fields.put(TokenHash.STATUS, "CREDITED");
                fields.put(TokenHash.OUT_TRADE_NO, no(i));
                fields.put(TokenHash.ACT_ID, actId(i));
                fields.put(TokenHash.ACTIVITY_ID, "act-formal");
                fields.put(TokenHash.STAGE, "FORMAL");
                fields.put(TokenHash.AWARD_TYPE, "CASH");
                fields.put(TokenHash.AMOUNT_MINOR, Long.toString(amountMinor(i)));
                fields.put(TokenHash.CURRENCY, "CNY");
                fields.put(TokenHash.ISSUED_AT_MS, "0");
                fields.put(TokenHash.TEMPLATE_ID, "tpl-cash");
                REDIS.commands().hset(keys.token(actId(i), no(i)), fields);
                credits.add(new CreditRequest(no(i), actId(i), "act-formal", Stage.FORMAL,
                        "CASH", Money.of(amountMinor(i), "CNY"), NIGHT, CreditSource.STREAM));
            }
            new LedgerWriter(DB.dataSource(), Clock.systemUTC()).creditBatch(credits);
            lines(bill);
        }

        void lines(Bill bill) {
            for (int i = 0; i < TOKENS; i++) {
                bill.funding(no(i), amountMinor(i), contractFeeMinor(i)
                        + (i == 0 ? OVERCHARGE_MINOR : 0));
            }
        }
    }

    /**
     * A channel bill written the way the channel documents it, independently of the parser:
     * backtick cells, major units, the summary, gzip and its {@code sha256sum} file.
     */
    static final class Bill {
        private final LocalDate date;
        private final List<String> rows = new ArrayList<>();
        private long amountMinor;
        private long feeMinor;
        private int ref;
        /** Added to the summary's amount, to write a bill whose summary does not tie. */
        long summaryOffMinor;

        Bill(LocalDate date) {
            this.date = date;
        }

        void funding(String outTradeNo, long grossMinor, long feeMinor) {
            row(outTradeNo, "FUNDING", "SUCCESS", grossMinor, feeMinor, "");
        }

        void payout(String payoutNo, String batch, String status, long grossMinor) {
            row(payoutNo, "PAYOUT", status, grossMinor, 0, batch);
        }

        void batch(String batch, String status, long paidMinor) {
            row("", "PAYOUT_BATCH", status, paidMinor, 0, batch);
        }

        void batchFee(String batch, long feeMinor) {
            row("", "FEE", "SUCCESS", feeMinor, 0, batch);
        }

        void refund(String payoutNo, long grossMinor) {
            row(payoutNo, "REFUND", "SUCCESS", grossMinor, 0, "");
        }

        private void row(String outTradeNo, String type, String status, long grossMinor,
                long lineFeeMinor, String batch) {
            String time = date.atTime(21, 0).plusSeconds(rows.size()).format(
                    ChannelBillFormat.TRADE_TIME);
            rows.add(String.join(",", List.of("`" + time, "`42" + date.getDayOfMonth()
                    + String.format("%06d", ++ref), "`" + outTradeNo, "`" + type, "`" + status,
                    "`" + major(grossMinor), "`" + major(lineFeeMinor), "`CNY", "`" + batch)));
            amountMinor += grossMinor;
            feeMinor += lineFeeMinor;
        }

        String text() {
            return ChannelBillFormat.HEADER + "\n" + String.join("\n", rows) + "\n"
                    + ChannelBillFormat.SUMMARY_HEADER + "\n`CNY,`" + rows.size() + ",`"
                    + major(amountMinor + summaryOffMinor) + ",`" + major(feeMinor) + "\n";
        }

        /** Writes bill-D.csv.gz and its checksum file; returns the bill. */
        Path write(Path directory) throws Exception {
            Path file = directory.resolve("bill-" + date + ".csv.gz");
            byte[] bytes = gzip(text());
            Files.write(file, bytes);
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(bytes));
            Files.writeString(directory.resolve(file.getFileName() + ".sha256"), sha + "  "
                    + file.getFileName() + "\n", StandardCharsets.US_ASCII);
            return file;
        }

        private static String major(long minor) {
            return BigDecimal.valueOf(minor, 2).toPlainString();
        }
    }
}
