package dev.redrain.core.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.ledger.CreditResult.Status;
import dev.redrain.core.money.Money;
import dev.redrain.core.schema.RedrainSchema;
import dev.redrain.testsupport.CatalogRows;
import dev.redrain.testsupport.MariaDbExtension;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLRecoverableException;
import javax.sql.DataSource;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LedgerWriterITCase {
    @RegisterExtension
    static final MariaDbExtension DB = new MariaDbExtension().afterCreate(dataSource -> {
        RedrainSchema.migrate(dataSource);
        budgets(dataSource);
    });

    private static final LocalDate BUSINESS_DATE = LocalDate.of(2026, 11, 25);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final LedgerWriter ledger = new LedgerWriter(DB.dataSource(), Clock.systemUTC());

    @AfterEach
    void ledgerStaysBalanced() throws SQLException {
        assertThat(query("SELECT COUNT(*) FROM (SELECT journal_id FROM ledger_entry"
                + " GROUP BY journal_id HAVING SUM(amount_minor) <> 0 OR COUNT(*) <> 2) j"))
                .as("journals whose entries do not sum to zero").isZero();
        assertThat(query("SELECT COUNT(*) FROM ledger_account a WHERE a.balance_minor <>"
                + " (SELECT COALESCE(SUM(e.amount_minor), 0) FROM ledger_entry e"
                + " WHERE e.account_id = a.account_id)"))
                .as("accounts whose balance is not the sum of their entries").isZero();
        assertThat(query("SELECT COALESCE(SUM(amount_minor), 0) FROM ledger_entry")).isZero();
        assertThat(query("SELECT COUNT(*) FROM ledger_journal j WHERE NOT EXISTS"
                + " (SELECT 1 FROM ledger_entry e WHERE e.journal_id = j.journal_id)"))
                .as("journals without entries").isZero();
    }

    /** The templates whose budgets the ledger holds each stage's credits to: ample here. */
    private static void budgets(DataSource dataSource) {
        long ample = 1_000_000_000L;
        try {
            CatalogRows.uniformTemplate(dataSource, "spring-2027", "spring-2027-formal", "FORMAL",
                    "spring-cash", "CASH", "CNY", ample, ample);
            CatalogRows.uniformTemplate(dataSource, "act", "act-gray", "GRAY", "gray-cash", "CASH",
                    "CNY", ample, ample);
            CatalogRows.uniformTemplate(dataSource, "act", "act-formal", "FORMAL", "formal-cash",
                    "CASH", "CNY", ample, ample);
            CatalogRows.uniformTemplate(dataSource, "act", "act-formal", "FORMAL", "formal-pts",
                    "POINTS", "PTS", ample, ample);
            CatalogRows.uniformTemplate(dataSource, "tight", "tight-formal", "FORMAL",
                    "tight-cash", "CASH", "CNY", 1_000, 1_000);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aCreditBeyondTheStagesBudgetIsRefusedAndTheRestOfItsBatchIsBooked()
            throws SQLException {
        CreditRequest first = tight("A-t1", 600);
        CreditRequest beyond = tight("A-t2", 600);
        CreditRequest fits = tight("A-t3", 400);
        List<CreditResult> results = ledger.creditBatch(List.of(first, beyond, fits));
        java.util.Map<String, Status> byOutTradeNo = new java.util.HashMap<>();
        results.forEach(result -> byOutTradeNo.put(result.outTradeNo(), result.status()));
        // Taken in outTradeNo order: 600 fits, the second 600 does not, 400 still fits.
        assertThat(byOutTradeNo).containsEntry(first.outTradeNo(), Status.CREDITED)
                .containsEntry(beyond.outTradeNo(), Status.OVER_BUDGET)
                .containsEntry(fits.outTradeNo(), Status.CREDITED);
        assertThat(results.get(1).isBooked()).isFalse();
        assertThat(balance(AccountCodes.budget("tight-formal", Stage.FORMAL, "CNY")))
                .isEqualTo(-1_000);
        assertThat(journalCount(beyond.outTradeNo())).isZero();
        assertThat(ledger.credit(tight("A-t4", 1)).status()).isEqualTo(Status.OVER_BUDGET);
        // A replay of a booked token is never refused: it is already in the ledger.
        assertThat(ledger.credit(first).status()).isEqualTo(Status.ALREADY_CREDITED);

        // A budget raise (recorded in the template's budget) makes room, once.
        update("UPDATE reward_template SET budget_minor = budget_minor + 600 WHERE template_id"
                + " = 'tight-cash'");
        assertThat(ledger.credit(beyond).status()).isEqualTo(Status.CREDITED);
        assertThat(ledger.credit(tight("A-t5", 1)).status()).isEqualTo(Status.OVER_BUDGET);
    }

    @Test
    void aCreditForAStageWithNoBudgetIsRefused() throws SQLException {
        CreditRequest ghost = new CreditRequest(nextOutTradeNo(), "A-ghost", "ghost-formal",
                Stage.FORMAL, "CASH", Money.of(123_456, "CNY"), BUSINESS_DATE,
                CreditSource.STREAM);
        assertThat(ledger.credit(ghost).status()).isEqualTo(Status.OVER_BUDGET);
        assertThat(journalCount(ghost.outTradeNo())).isZero();
    }

    private static CreditRequest tight(String actId, long amountMinor) {
        return new CreditRequest(nextOutTradeNo(), actId, "tight-formal", Stage.FORMAL, "CASH",
                Money.of(amountMinor, "CNY"), BUSINESS_DATE, CreditSource.STREAM);
    }

    @Test
    void aCreditDebitsTheStageBudgetAndCreditsTheWallet() throws SQLException {
        CreditRequest request = request("A-credit", 888, "CNY");
        CreditResult result = ledger.credit(request);

        assertThat(result.status()).isEqualTo(Status.CREDITED);
        assertThat(result.bookedBy()).isEqualTo(CreditSource.STREAM);
        assertThat(balance(AccountCodes.wallet("A-credit", "CNY"))).isEqualTo(888);
        assertThat(query("SELECT amount_minor FROM ledger_entry WHERE journal_id = "
                + result.journalId() + " AND amount_minor < 0")).isEqualTo(-888);
        assertThat(query("SELECT COUNT(*) FROM ledger_entry WHERE journal_id = " + result.journalId()))
                .isEqualTo(2);
    }

    @Test
    void replayedOutTradeNoDoesNotCreditTwice() throws SQLException {
        CreditRequest request = request("A-replay", 500, "CNY");
        CreditResult first = ledger.credit(request);
        CreditResult replay = ledger.credit(request);
        CreditResult forced = ledger.credit(withSource(request, CreditSource.FORCE));

        assertThat(replay.status()).isEqualTo(Status.ALREADY_CREDITED);
        assertThat(forced.status()).isEqualTo(Status.ALREADY_CREDITED);
        assertThat(forced.bookedBy()).isEqualTo(CreditSource.STREAM);
        assertThat(replay.journalId()).isEqualTo(first.journalId());
        assertThat(balance(AccountCodes.wallet("A-replay", "CNY"))).isEqualTo(500);
        assertThat(journalCount(request.outTradeNo())).isEqualTo(1);
    }

    @Test
    void eightThreadsReplayingOneOutTradeNoAtOnceCreditOnce() throws Exception {
        CreditRequest request = request("A-race", 1_234, "CNY");
        List<CreditResult> results = runConcurrently(8, () -> ledger.credit(request));

        assertThat(results).filteredOn(r -> r.status() == Status.CREDITED).hasSize(1);
        assertThat(results).filteredOn(r -> r.status() == Status.ALREADY_CREDITED).hasSize(7);
        assertThat(results).extracting(CreditResult::journalId).containsOnly(results.get(0).journalId());
        assertThat(balance(AccountCodes.wallet("A-race", "CNY"))).isEqualTo(1_234);
        assertThat(journalCount(request.outTradeNo())).isEqualTo(1);
    }

    @Test
    void aBatchWithBookedOutTradeNosStillBooksTheOthersOnce() throws SQLException {
        CreditRequest booked = request("A-batch", 100, "CNY");
        ledger.credit(booked);
        CreditRequest fresh1 = request("A-batch", 200, "CNY");
        CreditRequest fresh2 = request("A-batch2", 300, "CNY");

        List<CreditResult> results = ledger.creditBatch(List.of(fresh1, booked, fresh2, fresh1));

        assertThat(results).extracting(CreditResult::status).containsExactly(Status.CREDITED,
                Status.ALREADY_CREDITED, Status.CREDITED, Status.ALREADY_CREDITED);
        assertThat(balance(AccountCodes.wallet("A-batch", "CNY"))).isEqualTo(300);
        assertThat(balance(AccountCodes.wallet("A-batch2", "CNY"))).isEqualTo(300);
    }

    @Test
    void aReplayWithDifferentContentIsAConflictAndChangesNothing() throws SQLException {
        CreditRequest original = request("A-owner", 700, "CNY");
        ledger.credit(original);
        CreditRequest otherOwner = new CreditRequest(original.outTradeNo(), "A-thief",
                original.activityId(), original.stage(), original.awardType(), original.amount(),
                BUSINESS_DATE, CreditSource.FORCE);
        CreditRequest otherAmount = new CreditRequest(original.outTradeNo(), "A-owner",
                original.activityId(), original.stage(), original.awardType(),
                Money.of(70_000, "CNY"), BUSINESS_DATE, CreditSource.FORCE);

        assertThat(ledger.credit(otherOwner).status()).isEqualTo(Status.CONFLICT);
        assertThat(ledger.credit(otherAmount).status()).isEqualTo(Status.CONFLICT);
        assertThat(balance(AccountCodes.wallet("A-owner", "CNY"))).isEqualTo(700);
        assertThat(query("SELECT COUNT(*) FROM ledger_account WHERE account_code = '"
                + AccountCodes.wallet("A-thief", "CNY") + "' AND balance_minor <> 0")).isZero();
    }

    @Test
    void stagesAndAssetsKeepSeparateAccounts() throws SQLException {
        CreditRequest gray = new CreditRequest(nextOutTradeNo(), "A-multi", "act-gray", Stage.GRAY,
                "CASH", Money.of(10, "CNY"), BUSINESS_DATE, CreditSource.STREAM);
        CreditRequest formal = new CreditRequest(nextOutTradeNo(), "A-multi", "act-formal",
                Stage.FORMAL, "CASH", Money.of(20, "CNY"), BUSINESS_DATE, CreditSource.STREAM);
        CreditRequest points = new CreditRequest(nextOutTradeNo(), "A-multi", "act-formal",
                Stage.FORMAL, "POINTS", Money.of(5, "PTS"), BUSINESS_DATE, CreditSource.STREAM);
        ledger.creditBatch(List.of(gray, formal, points));

        assertThat(balance(AccountCodes.budget("act-gray", Stage.GRAY, "CNY"))).isEqualTo(-10);
        assertThat(balance(AccountCodes.budget("act-formal", Stage.FORMAL, "CNY"))).isEqualTo(-20);
        assertThat(balance(AccountCodes.budget("act-formal", Stage.FORMAL, "PTS"))).isEqualTo(-5);
        assertThat(balance(AccountCodes.wallet("A-multi", "CNY"))).isEqualTo(30);
        assertThat(balance(AccountCodes.wallet("A-multi", "PTS"))).isEqualTo(5);
    }

    @Test
    void concurrentCreatorsOfTheSameNewAccountsAgreeOnTheirIds() throws Exception {
        // Each round, 8 threads (each with its own account cache, as separate writers would
        // have) create the same 120 new accounts in different orders; every one must get the
        // same ids, none may fail (a CI run once lost this race to an InnoDB deadlock).
        for (int round = 0; round < 5; round++) {
            java.util.Map<String, LedgerAccounts.AccountSpec> wanted = new java.util.LinkedHashMap<>();
            for (int i = 0; i < 120; i++) {
                String code = "WALLET:race-" + round + "-" + i + ":CNY";
                wanted.put(code, new LedgerAccounts.AccountSpec(code, "WALLET", "race-" + i, "CNY"));
            }
            AtomicInteger seed = new AtomicInteger(round * 100);
            List<java.util.Map<String, Long>> ids = runConcurrently(8, () -> {
                List<String> codes = new ArrayList<>(wanted.keySet());
                Collections.shuffle(codes, new Random(seed.incrementAndGet()));
                java.util.Map<String, LedgerAccounts.AccountSpec> mine = new java.util.LinkedHashMap<>();
                codes.forEach(code -> mine.put(code, wanted.get(code)));
                return new LedgerAccounts(DB.dataSource()).ensureAccounts(mine);
            });
            for (java.util.Map<String, Long> each : ids) {
                assertThat(each).hasSize(120).isEqualTo(ids.get(0));
            }
        }
    }

    @Test
    void overlappingBatchesFromManyThreadsBookEveryTokenExactlyOnce() throws Exception {
        List<CreditRequest> tokens = new ArrayList<>();
        long expectedTotal = 0;
        for (int i = 0; i < 1_500; i++) {
            CreditRequest request = request("A-load-" + (i % 40), 1 + (i % 97), "CNY");
            tokens.add(request);
            expectedTotal += request.amount().amountMinor();
        }
        AtomicInteger thread = new AtomicInteger();
        List<List<CreditResult>> results = runConcurrently(8, () -> {
            List<CreditRequest> mine = new ArrayList<>(tokens);
            Collections.shuffle(mine, new Random(thread.incrementAndGet()));
            List<CreditResult> out = new ArrayList<>();
            for (int start = 0; start < mine.size(); start += 250) {
                out.addAll(ledger.creditBatch(mine.subList(start, start + 250)));
            }
            return out;
        });

        long credited = results.stream().flatMap(List::stream)
                .filter(r -> r.status() == Status.CREDITED).count();
        assertThat(credited).isEqualTo(tokens.size());
        assertThat(results.stream().flatMap(List::stream).filter(r -> !r.isBooked())).isEmpty();
        assertThat(query("SELECT COUNT(*) FROM ledger_journal WHERE out_trade_no LIKE 'T"
                + BUSINESS_DATE.toString().replace("-", "") + "%' AND act_id LIKE 'A-load-%'"))
                .isEqualTo(tokens.size());
        assertThat(query("SELECT SUM(balance_minor) FROM ledger_account WHERE account_code LIKE"
                + " 'WALLET:A-load-%'")).isEqualTo(expectedTotal);
    }

    @Test
    void aCommitWhoseAnswerIsLostIsRetriedAndStillBooksOnceAsThisCallsCredit() throws SQLException {
        AtomicInteger commitsToLose = new AtomicInteger(1);
        LedgerWriter flaky = new LedgerWriter(losingCommitAnswers(commitsToLose), Clock.systemUTC());
        CreditRequest request = request("A-lost-commit", 321, "CNY");

        CreditResult result = flaky.credit(request);

        assertThat(commitsToLose).hasValue(0);
        assertThat(result.status()).isEqualTo(Status.CREDITED);
        assertThat(journalCount(request.outTradeNo())).isEqualTo(1);
        assertThat(balance(AccountCodes.wallet("A-lost-commit", "CNY"))).isEqualTo(321);
    }

    @Test
    void badBatchesAreRefusedBeforeTouchingTheDatabase() {
        assertThatThrownBy(() -> ledger.creditBatch(List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> request("A-bad", 0, "CNY"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> request("A-bad", -1, "CNY"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * The real database, except that the first {@code count} commits succeed on the server and
     * then report a lost connection, as when the network drops between commit and its answer.
     */
    private static DataSource losingCommitAnswers(AtomicInteger count) {
        DataSource real = DB.dataSource();
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    Object value = invoke(real, method, args);
                    if (!method.getName().equals("getConnection")) {
                        return value;
                    }
                    Connection connection = (Connection) value;
                    return Proxy.newProxyInstance(Connection.class.getClassLoader(),
                            new Class<?>[] {Connection.class}, (c, m, a) -> {
                                Object result = invoke(connection, m, a);
                                if (m.getName().equals("commit")
                                        && count.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                                    throw new SQLRecoverableException("connection lost", "08S01");
                                }
                                return result;
                            });
                });
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static CreditRequest request(String actId, long amountMinor, String currency) {
        return new CreditRequest(nextOutTradeNo(), actId, "spring-2027-formal", Stage.FORMAL,
                "CASH", Money.of(amountMinor, currency), BUSINESS_DATE, CreditSource.STREAM);
    }

    private static CreditRequest withSource(CreditRequest request, CreditSource source) {
        return new CreditRequest(request.outTradeNo(), request.actId(), request.activityId(),
                request.stage(), request.awardType(), request.amount(), request.businessDate(),
                source);
    }

    private static String nextOutTradeNo() {
        return "T" + BUSINESS_DATE.toString().replace("-", "")
                + String.format("%09d", SEQUENCE.incrementAndGet());
    }

    private static <T> List<T> runConcurrently(int threads, Callable<T> work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CyclicBarrier start = new CyclicBarrier(threads);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return work.call();
                }));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static long balance(String accountCode) throws SQLException {
        return query("SELECT balance_minor FROM ledger_account WHERE account_code = '"
                + accountCode + "'");
    }

    private static long journalCount(String outTradeNo) throws SQLException {
        return query("SELECT COUNT(*) FROM ledger_journal WHERE out_trade_no = '" + outTradeNo + "'");
    }

    private static void update(String sql) throws SQLException {
        try (Connection connection = DB.dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            statement.executeUpdate(sql);
        }
    }

    private static long query(String sql) throws SQLException {
        try (Connection connection = DB.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            if (!result.next()) {
                throw new AssertionError("no row for " + sql);
            }
            return result.getLong(1);
        }
    }
}
