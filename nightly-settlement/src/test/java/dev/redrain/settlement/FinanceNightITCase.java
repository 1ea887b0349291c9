package dev.redrain.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.core.keys.TokenHash;
import dev.redrain.core.ledger.CreditRequest;
import dev.redrain.core.ledger.CreditSource;
import dev.redrain.core.ledger.LedgerWriter;
import dev.redrain.core.ledger.WalletLedger;
import dev.redrain.core.money.Money;
import dev.redrain.core.schema.RedrainSchema;
import dev.redrain.testsupport.CatalogRows;
import dev.redrain.testsupport.Chromium;
import dev.redrain.testsupport.MariaDbExtension;
import dev.redrain.testsupport.RedisExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The night a finance reviewer reads, in one report: a channel's bill (fees, a payout batch
 * that failed in part, a bank refund), two activities, a break of every category, and
 * withdrawals in every state (paid, failed and given back, unknown, returned by the bank and
 * given back, returned and still owed). The report is rendered in headless Chromium and its
 * figures are read from the DOM and the PDF, against what the database holds.
 */
@SpringBootTest(properties = {"redrain.settlement.command-line=false",
    "redrain.settlement.statement-format=channel-bill",
    "redrain.settlement.channel-zone=Asia/Shanghai",
    "redrain.settlement.funding-fee-ppm=6000",
    "redrain.settlement.payout-fee-ppm=0",
    "redrain.settlement.batch-fee-minor=100"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class FinanceNightITCase {
    @RegisterExtension
    static final MariaDbExtension DB = new MariaDbExtension().afterCreate(RedrainSchema::migrate);
    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    static final ZoneId ZONE = ChannelBillNightITCase.CHANNEL_ZONE;
    static final LocalDate NIGHT = LocalDate.of(2026, 11, 18);
    static final Path statements = directory("bills");
    static final Path reports = directory("reports");
    private static final OutTradeNoGenerator NUMBERS = new OutTradeNoGenerator(Clock.fixed(
            NIGHT.atTime(20, 0).atZone(ZONE).toInstant(), ZONE), ZONE, "7K2M9QX4TD");
    /** Two activities' cash, matched on every leg: 10.00 CNY each, its fee 6 fen. */
    private static final int MATCHED_PER_ACTIVITY = 5;

    @Autowired
    SettlementRunner runner;
    @Autowired
    JdbcTemplate jdbc;

    private final RedisKeys keys = new RedisKeys(REDIS.namespace());
    private final LedgerWriter ledger = new LedgerWriter(DB.dataSource(), Clock.systemUTC());
    private final WalletLedger wallets = new WalletLedger(DB.dataSource(), Clock.systemUTC());
    private final ChannelBillNightITCase.Bill bill = new ChannelBillNightITCase.Bill(NIGHT);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        SettlementItProperties.register(registry, DB, REDIS, statements, reports);
    }

    @Test
    void theReportOfANightWithEveryBreakAndEveryWithdrawalReadsAsFinanceNeedsIt()
            throws Exception {
        CatalogRows.uniformTemplate(DB.dataSource(), "spring", "spring-formal", "FORMAL",
                "spring-cash", "CASH", "CNY", 2_000, 100_000_000);
        CatalogRows.uniformTemplate(DB.dataSource(), "lantern", "lantern-formal", "FORMAL",
                "lantern-cash", "CASH", "CNY", 2_000, 100_000_000);
        CatalogRows.uniformTemplate(DB.dataSource(), "tight", "tight-formal", "FORMAL",
                "tight-cash", "CASH", "CNY", 1_000, 100);
        for (int i = 0; i < MATCHED_PER_ACTIVITY; i++) {
            matched("spring-formal", "spring-cash", "S" + i, 1_000, 6);
            matched("lantern-formal", "lantern-cash", "L" + i, 1_000, 6);
        }
        // A break of every category, each with amounts of its own so the figures tell them apart.
        String unproven = NUMBERS.next(); // ISSUED_NOT_CREDITED: a hash nobody can prove
        Map<String, String> planted = hash(unproven, "X1", "spring-formal", "spring-cash", 300,
                "ISSUED");
        planted.remove(TokenHash.GRANT_PROOF);
        REDIS.commands().hset(keys.token("X1", unproven), planted);
        String notIssued = NUMBERS.next(); // CREDITED_NOT_ISSUED: booked and funded, no hash
        credit(notIssued, "X2", "spring-formal", 700);
        bill.funding(notIssued, 700, 4);
        String notPaid = NUMBERS.next(); // CREDITED_NOT_PAID: no funding line
        redis(notPaid, "X3", "lantern-formal", "lantern-cash", 800, "CREDITED");
        credit(notPaid, "X3", "lantern-formal", 800);
        String notCredited = NUMBERS.next(); // PAID_NOT_CREDITED: a funding line only
        bill.funding(notCredited, 900, 5);
        String shortPaid = NUMBERS.next(); // AMOUNT_MISMATCH: funded 0.50 CNY short
        redis(shortPaid, "X5", "spring-formal", "spring-cash", 1_000, "CREDITED");
        credit(shortPaid, "X5", "spring-formal", 1_000);
        bill.funding(shortPaid, 950, 6);
        String twice = NUMBERS.next(); // DUPLICATE: funded whole, twice
        redis(twice, "X6", "lantern-formal", "lantern-cash", 1_100, "CREDITED");
        credit(twice, "X6", "lantern-formal", 1_100);
        bill.funding(twice, 1_100, 7);
        bill.funding(twice, 1_100, 7);
        String stale = NUMBERS.next(); // STATUS_MISMATCH: credited, Redis still says ISSUED
        redis(stale, "X7", "spring-formal", "spring-cash", 600, "ISSUED");
        credit(stale, "X7", "spring-formal", 600);
        bill.funding(stale, 600, 4);
        String beyond = NUMBERS.next(); // OVER_BUDGET: the ledger refused it
        redis(beyond, "X8", "tight-formal", "tight-cash", 500, "ISSUED");
        assertThat(ledger.creditBatch(List.of(new CreditRequest(beyond, "X8", "tight-formal",
                Stage.FORMAL, "CASH", Money.of(500, "CNY"), NIGHT, CreditSource.STREAM)))
                .get(0).status()).as("refused by the stage's budget")
                .isEqualTo(dev.redrain.core.ledger.CreditResult.Status.OVER_BUDGET);
        String overcharged = NUMBERS.next(); // FEE_MISMATCH: 3 fen over the contract
        redis(overcharged, "X9", "lantern-formal", "lantern-cash", 1_200, "CREDITED");
        credit(overcharged, "X9", "lantern-formal", 1_200);
        bill.funding(overcharged, 1_200, 7 + 3);
        // Withdrawals in every state, one batch that failed in part, and two bank refunds.
        withdrawal("S0", 1, "PAID", 100);
        withdrawal("S1", 2, "PAYOUT_FAILED", 200);
        withdrawal("S2", 3, "DEBITED", 300);
        withdrawal("S3", 4, "REVERSED", 400);
        withdrawal("S4", 5, "PAID", 500); // PAYOUT_RETURNED: the bank sent it back
        bill.payout("PO-F1", "B1", "SUCCESS", 100);
        bill.payout("PO-F2", "B1", "FAILED", 200);
        bill.payout("PO-F4", "B1", "SUCCESS", 400);
        bill.payout("PO-F5", "B1", "SUCCESS", 500);
        bill.batch("B1", "PARTIAL", 1_000);
        bill.batchFee("B1", 100);
        bill.refund("PO-F4", 400);
        bill.refund("PO-F5", 500);
        bill.write(statements);

        assertThat(runner.settle(NIGHT, false)).isZero();

        Map<String, String> categories = new java.util.TreeMap<>();
        jdbc.query("SELECT out_trade_no, category, status FROM recon_break", rs -> {
            categories.put(rs.getString(1), rs.getString(2) + "|" + rs.getString(3));
        });
        assertThat(categories).containsEntry(unproven, "ISSUED_NOT_CREDITED|UNPROVEN")
                .containsEntry(notIssued, "CREDITED_NOT_ISSUED|OPEN")
                .containsEntry(notPaid, "CREDITED_NOT_PAID|OPEN")
                .containsEntry(notCredited, "PAID_NOT_CREDITED|OPEN")
                .containsEntry(shortPaid, "AMOUNT_MISMATCH|OPEN")
                .containsEntry(twice, "DUPLICATE|OPEN")
                .containsEntry(stale, "STATUS_MISMATCH|REPAIRED")
                .containsEntry(beyond, "OVER_BUDGET|OPEN")
                .containsEntry(overcharged, "FEE_MISMATCH|OPEN")
                .containsEntry("PO-F5", "PAYOUT_RETURNED|OPEN")
                .doesNotContainKeys("PO-F1", "PO-F2", "PO-F3", "PO-F4");
        Set<String> every = new TreeSet<>(Arrays.stream(Break.Category.values()).map(Enum::name)
                .toList());
        assertThat(new TreeSet<>(categories.values().stream().map(v -> v.split("\\|")[0])
                .toList())).as("every category on one night").isEqualTo(every);

        Path folder = reports.resolve(NIGHT.toString());
        String page = RenderedReport.dom(folder.resolve("report.html"));
        // The figures in major units, and the same as the database's.
        long breaksCny = jdbc.queryForObject("SELECT SUM(amount_minor) FROM recon_break",
                Long.class);
        assertThat(breaksCny).isEqualTo(300 + 700 + 800 + 900 + 50 + 1_100 + 600 + 500 + 3 + 500);
        assertThat(figure(page, "break-count")).isEqualTo(Integer.toString(categories.size()));
        assertThat(figure(page, "break-amount-CNY")).isEqualTo(Money.of(breaksCny, "CNY")
                .display()).isEqualTo("54.53 CNY");
        // The status fixed, and the repair refused for the hash nobody can prove.
        assertThat(jdbc.queryForList("SELECT CONCAT(category, ':', action) FROM recon_repair"
                + " ORDER BY category", String.class)).hasSize(2)
                .contains("STATUS_MISMATCH:FIX_REDIS_STATUS");
        assertThat(figure(page, "repairs")).isEqualTo("2");
        // The per-activity split, the refused activity's too.
        assertThat(page).contains("Activity spring-formal, stage FORMAL")
                .contains("Activity lantern-formal, stage FORMAL")
                .contains("Activity tight-formal, stage FORMAL");
        for (String category : every) {
            assertThat(page).as(category).contains(">" + category + "<");
        }
        // Withdrawals by state, in major units.
        assertThat(figure(page, "withdrawn-PAID-CNY")).isEqualTo("6.00 CNY");
        assertThat(figure(page, "withdrawn-PAYOUT_FAILED-CNY")).isEqualTo("2.00 CNY");
        assertThat(figure(page, "withdrawn-DEBITED-CNY")).isEqualTo("3.00 CNY");
        assertThat(figure(page, "withdrawn-REVERSED-CNY")).isEqualTo("4.00 CNY");
        assertThat(page).as("the unknown payout, named").contains("PO-F3");
        // Aging: every break is new tonight.
        assertThat(page).containsPattern("<td>FEE_MISMATCH</td>\\s*<td>0-1</td>")
                .containsPattern("<td>OVER_BUDGET</td>\\s*<td>0-1</td>");
        // Every minor unit named: the bridge's residuals are zero.
        assertThat(figure(page, "residual-CNY-REDIS")).isEqualTo("0.00 CNY");
        assertThat(figure(page, "residual-CNY-LEDGER")).isEqualTo("0.00 CNY");
        assertThat(figure(page, "residual-CNY-PAYMENT")).isEqualTo("0.00 CNY");
        assertThat(figure(page, "statement-sha256")).matches("[0-9a-f]{64}");
        // The PDF says the same.
        String pdf = RenderedReport.pdfText(folder.resolve("report.pdf"));
        assertThat(pdf).contains("54.53 CNY").contains("6.00 CNY").contains("4.00 CNY")
                .contains("lantern-formal").contains("PAYOUT_RETURNED").contains("OVER_BUDGET")
                .contains(figure(page, "statement-sha256"));
        // For a reader's eyes: the whole page, kept in the build's folder.
        Path screenshot = Path.of("target", "finance-night.png").toAbsolutePath();
        Chromium.Result shot = Chromium.find().run("--screenshot=" + screenshot,
                "--window-size=1280,4200", folder.resolve("report.html").toUri().toString());
        assertThat(Files.size(screenshot)).as(shot.stderr()).isGreaterThan(10_000);
        Files.copy(folder.resolve("report.pdf"), Path.of("target", "finance-night.pdf"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private void matched(String activityId, String templateId, String actId, long amountMinor,
            long feeMinor) throws Exception {
        String no = NUMBERS.next();
        redis(no, actId, activityId, templateId, amountMinor, "CREDITED");
        credit(no, actId, activityId, amountMinor);
        bill.funding(no, amountMinor, feeMinor);
    }

    private Map<String, String> hash(String no, String actId, String activityId,
            String templateId, long amountMinor, String status) {
        TokenIssued event = GrantFixtures.event(no, actId, activityId, templateId, "CASH",
                amountMinor, "CNY", Instant.EPOCH);
        return GrantFixtures.hash(event, status);
    }

    private void redis(String no, String actId, String activityId, String templateId,
            long amountMinor, String status) {
        REDIS.commands().hset(keys.token(actId, no), hash(no, actId, activityId, templateId,
                amountMinor, status));
    }

    private void credit(String no, String actId, String activityId, long amountMinor)
            throws Exception {
        ledger.creditBatch(List.of(new CreditRequest(no, actId, activityId, Stage.FORMAL, "CASH",
                Money.of(amountMinor, "CNY"), NIGHT, CreditSource.STREAM)));
    }

    /** A withdrawal of the matched holder {@code actId}, in {@code status}. */
    private void withdrawal(String actId, int n, String status, long amountMinor)
            throws Exception {
        String debit = "WD-F" + n;
        wallets.withdraw(debit, actId, Money.of(amountMinor, "CNY"), NIGHT);
        if (status.equals("PAYOUT_FAILED") || status.equals("REVERSED")) {
            wallets.reverseWithdrawal("WR-" + debit, actId, Money.of(amountMinor, "CNY"), NIGHT);
        }
        jdbc.update("INSERT INTO wallet_withdrawal (act_id, request_id, currency, amount_minor,"
                + " status, debit_out_trade_no, payout_out_trade_no, attempts) VALUES (?, ?,"
                + " 'CNY', ?, ?, ?, ?, 1)", actId, "req-" + n, amountMinor, status, debit,
                "PO-F" + n);
    }

    private static String figure(String dom, String name) {
        return RenderedReport.figure(dom, name);
    }

    private static Path directory(String name) {
        try {
            return Files.createTempDirectory("redrain-finance-" + name);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
