package dev.redrain.core.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.ledger.CreditResult.Status;
import dev.redrain.core.ledger.LedgerReads.Tally;
import dev.redrain.core.ledger.LedgerReads.TokenCredit;
import dev.redrain.core.ledger.LedgerReads.TokenLeg;
import dev.redrain.core.money.Money;
import dev.redrain.core.schema.RedrainSchema;
import dev.redrain.testsupport.CatalogRows;
import dev.redrain.testsupport.MariaDbExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The ledger's reads and its audit, on ledgers the writer booked (and one planted by hand). */
class LedgerReadsITCase {
    @RegisterExtension
    static final MariaDbExtension DB = new MariaDbExtension().afterCreate(dataSource -> {
        RedrainSchema.migrate(dataSource);
        try {
            CatalogRows.uniformTemplate(dataSource, "act", "act-formal", "FORMAL", "formal-cash",
                    "CASH", "CNY", 10_000, 10_000);
            CatalogRows.uniformTemplate(dataSource, "act", "act-formal", "FORMAL", "formal-pts",
                    "POINTS", "PTS", 1_000_000, 1_000_000);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    });
    private static final LocalDate BUSINESS_DATE = LocalDate.of(2026, 11, 25);

    private final LedgerWriter writer = new LedgerWriter(DB.dataSource(), Clock.systemUTC());
    private final LedgerReads reads = new LedgerReads();
    private final LedgerAudit audit = new LedgerAudit();

    /** Each test starts from an empty ledger: the tallies below count all of it. */
    @BeforeEach
    void emptyLedger() throws SQLException {
        try (Connection connection = DB.dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            statement.executeUpdate("DELETE FROM ledger_entry");
            statement.executeUpdate("DELETE FROM ledger_journal");
            statement.executeUpdate("DELETE FROM ledger_refusal");
            statement.executeUpdate("UPDATE ledger_account SET balance_minor = 0");
        }
    }

    @Test
    void theReadsReturnWhatTheWriterBookedAndRefused() throws SQLException {
        assertThat(writer.credit(credit("T001", "A-1", 600, "CASH", "CNY")).status())
                .isEqualTo(Status.CREDITED);
        assertThat(writer.credit(credit("T002", "A-2", 250, "POINTS", "PTS")).status())
                .isEqualTo(Status.CREDITED);
        assertThat(writer.credit(withSource(credit("T003", "A-1", 300, "CASH", "CNY"),
                CreditSource.FORCE)).status()).isEqualTo(Status.CREDITED);
        // The stage's CNY budget is 10,000: this one is refused and stays out of the ledger.
        assertThat(writer.credit(credit("T004", "A-3", 9_500, "CASH", "CNY")).status())
                .isEqualTo(Status.OVER_BUDGET);

        try (Connection connection = DB.dataSource().getConnection()) {
            List<String> many = new ArrayList<>();
            for (int i = 0; i < 1_200; i++) {
                many.add("X" + i); // more than one IN list page
            }
            many.addAll(List.of("T001", "T004", "T003"));
            assertThat(reads.journaled(connection, many)).containsExactlyInAnyOrder("T001",
                    "T003");
            assertThat(reads.journalId(connection, "T002")).isPresent();
            assertThat(reads.journalId(connection, "T004")).isEmpty();
            assertThat(reads.tokenLeg(connection, "T001")).contains(new TokenLeg(600, "CNY",
                    "A-1", "act-formal", "FORMAL", "CASH", false));
            assertThat(reads.tokenLeg(connection, "T004")).contains(new TokenLeg(9_500, "CNY",
                    "A-3", "act-formal", "FORMAL", "CASH", true));
            assertThat(reads.tokenLeg(connection, "T999")).isEqualTo(Optional.empty());
            assertThat(reads.tokenCreditsByCurrency(connection)).isEqualTo(Map.of(
                    "CNY", new Tally(2, 900), "PTS", new Tally(1, 250)));
            assertThat(reads.tokenCreditCountsBySource(connection)).isEqualTo(Map.of(
                    "STREAM", 2L, "FORCE", 1L));
            assertThat(reads.tokenCreditedMinorByStageAndAward(connection)).isEqualTo(Map.of(
                    "FORMAL|CASH", 900L, "FORMAL|POINTS", 250L));
            List<TokenCredit> credits = new ArrayList<>();
            reads.tokenCredits(connection, credits::add);
            assertThat(credits).containsExactlyInAnyOrder(
                    new TokenCredit("T001", "A-1", 600, "CNY", "STREAM"),
                    new TokenCredit("T002", "A-2", 250, "PTS", "STREAM"),
                    new TokenCredit("T003", "A-1", 300, "CNY", "FORCE"));
            // The views the settlement reads hold the same legs.
            assertThat(count(connection, "SELECT COUNT(*) FROM ledger_booking")).isEqualTo(3);
            assertThat(count(connection, "SELECT COUNT(*) FROM ledger_refused_credit WHERE"
                    + " out_trade_no = 'T004' AND amount_minor = 9500")).isEqualTo(1);

            assertThat(audit.unbalancedJournals(connection)).isZero();
            assertThat(audit.entryTotalsByCurrency(connection).values()).containsOnly(0L);
            assertThat(audit.accountsOffTheirEntries(connection)).isZero();
        }
    }

    @Test
    void aOneSidedEntryPlantedByHandTripsEveryCheckAndTheFingerprint() throws SQLException {
        assertThat(writer.credit(credit("T101", "A-9", 100, "CASH", "CNY")).status())
                .isEqualTo(Status.CREDITED);
        try (Connection connection = DB.dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            List<String> before = audit.fingerprint(connection);
            assertThat(audit.fingerprint(connection)).isEqualTo(before);
            statement.executeUpdate("INSERT INTO ledger_entry (journal_id, account_id,"
                    + " amount_minor, currency) SELECT j.journal_id, a.account_id, 5000, 'CNY'"
                    + " FROM ledger_journal j, ledger_account a WHERE j.out_trade_no = 'T101'"
                    + " AND a.account_code = '" + AccountCodes.wallet("A-9", "CNY") + "'");

            assertThat(audit.unbalancedJournals(connection)).isEqualTo(1);
            assertThat(audit.entryTotalsByCurrency(connection)).containsEntry("CNY", 5_000L);
            assertThat(audit.accountsOffTheirEntries(connection)).isEqualTo(1);
            assertThat(audit.fingerprint(connection)).isNotEqualTo(before);
            statement.executeUpdate("DELETE FROM ledger_entry WHERE amount_minor = 5000");
        }
    }

    private static CreditRequest credit(String outTradeNo, String actId, long amountMinor,
            String awardType, String currency) {
        return new CreditRequest(outTradeNo, actId, "act-formal", Stage.FORMAL, awardType,
                Money.of(amountMinor, currency), BUSINESS_DATE, CreditSource.STREAM);
    }

    private static CreditRequest withSource(CreditRequest request, CreditSource source) {
        return new CreditRequest(request.outTradeNo(), request.actId(), request.activityId(),
                request.stage(), request.awardType(), request.amount(), request.businessDate(),
                source);
    }

    private static long count(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement();
                var rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
