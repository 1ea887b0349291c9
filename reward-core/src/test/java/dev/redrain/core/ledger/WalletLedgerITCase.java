package dev.redrain.core.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.ledger.WalletLedger.Status;
import dev.redrain.core.money.Money;
import dev.redrain.core.schema.RedrainSchema;
import dev.redrain.testsupport.MariaDbExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class WalletLedgerITCase {
    @RegisterExtension
    static final MariaDbExtension DB = new MariaDbExtension().afterCreate(dataSource -> {
        RedrainSchema.migrate(dataSource);
        try {
            // The ledger holds credits to their stage's budget.
            dev.redrain.testsupport.CatalogRows.uniformTemplate(dataSource, "act", "act-1",
                    "FORMAL", "act-cash", "CASH", "CNY", 1_000_000, 1_000_000_000);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    });
    private static final LocalDate DAY = LocalDate.of(2026, 11, 26);

    private final LedgerWriter credits = new LedgerWriter(DB.dataSource(), Clock.systemUTC());
    private final WalletLedger wallets = new WalletLedger(DB.dataSource(), Clock.systemUTC());

    @AfterEach
    void ledgerStaysBalanced() throws SQLException {
        assertThat(query("SELECT COALESCE(SUM(amount_minor), 0) FROM ledger_entry")).isZero();
        assertThat(query("SELECT COUNT(*) FROM ledger_account a WHERE a.balance_minor <>"
                + " (SELECT COALESCE(SUM(e.amount_minor), 0) FROM ledger_entry e"
                + " WHERE e.account_id = a.account_id)")).isZero();
        assertThat(query("SELECT COUNT(*) FROM ledger_account WHERE account_type = 'WALLET'"
                + " AND balance_minor < 0")).as("wallets below zero").isZero();
    }

    @Test
    void aWithdrawalMovesCashToClearingOnceAndAReversalBringsItBack() {
        credit("W1", "20261126000000001000AAAAAAAAAA", 500);
        assertThat(wallets.withdraw("WD-1", "W1", Money.of(600, "CNY"), DAY))
                .isEqualTo(Status.INSUFFICIENT_BALANCE);
        assertThat(wallets.balance("W1", "CNY")).isEqualTo(500);
        assertThat(wallets.withdraw("WD-1", "W1", Money.of(300, "CNY"), DAY))
                .isEqualTo(Status.BOOKED);
        assertThat(wallets.withdraw("WD-1", "W1", Money.of(300, "CNY"), DAY))
                .isEqualTo(Status.ALREADY_BOOKED);
        assertThat(wallets.balance("W1", "CNY")).isEqualTo(200);
        assertThat(wallets.reverseWithdrawal("WD-1-R", "W1", Money.of(300, "CNY"), DAY))
                .isEqualTo(Status.BOOKED);
        assertThat(wallets.reverseWithdrawal("WD-1-R", "W1", Money.of(300, "CNY"), DAY))
                .isEqualTo(Status.ALREADY_BOOKED);
        assertThat(wallets.balance("W1", "CNY")).isEqualTo(500);
        assertThat(wallets.balance("nobody", "CNY")).isZero();
    }

    @Test
    void concurrentWithdrawalsNeverTakeAWalletBelowZero() throws Exception {
        credit("W2", "20261126000000002000AAAAAAAAAA", 100);
        int threads = 20;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<Status>> results = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            String id = "WD-2-" + i;
            results.add(pool.submit(() -> {
                start.await();
                return wallets.withdraw(id, "W2", Money.of(10, "CNY"), DAY);
            }));
        }
        int booked = 0;
        for (Future<Status> result : results) {
            if (result.get() == Status.BOOKED) {
                booked++;
            }
        }
        pool.shutdown();
        assertThat(booked).isEqualTo(10);
        assertThat(wallets.balance("W2", "CNY")).isZero();
    }

    private void credit(String actId, String outTradeNo, long amount) {
        credits.credit(new CreditRequest(outTradeNo, actId, "act-1", Stage.FORMAL, "CASH",
                Money.of(amount, "CNY"), DAY, CreditSource.STREAM));
    }

    private long query(String sql) throws SQLException {
        try (Connection connection = DB.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }
}
