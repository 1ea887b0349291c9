package dev.redrain.core.ledger;

import dev.redrain.core.ledger.LedgerAccounts.AccountSpec;
import dev.redrain.core.money.Money;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Wallet movements that are not awards: a withdrawal moves cash from the wallet to the payout
 * clearing account, a reversal moves it back when the payout failed. Each is one journal with
 * a unique outTradeNo (a retry books nothing twice) and two entries summing to zero, in one
 * transaction that locks the wallet row and never lets it go below zero.
 */
public final class WalletLedger {
    /** Outcome of one wallet movement. */
    public enum Status {
        /** Booked by this call. */
        BOOKED,
        /** This outTradeNo was booked before: nothing changed. */
        ALREADY_BOOKED,
        /** The wallet holds less than the amount: nothing changed. */
        INSUFFICIENT_BALANCE
    }

    static final String WITHDRAWAL = "WITHDRAWAL";
    static final String WITHDRAWAL_REVERSAL = "WITHDRAWAL_REVERSAL";
    private static final int ATTEMPTS_MAX = 5;

    private final DataSource dataSource;
    private final Clock clock;
    private final LedgerAccounts accounts;
    private final SecureRandom random = new SecureRandom();

    public WalletLedger(DataSource dataSource, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.accounts = new LedgerAccounts(dataSource);
    }

    /** The wallet's booked balance in {@code currency}; 0 for a wallet that has never moved. */
    public long balance(String actId, String currency) {
        String sql = "SELECT balance_minor FROM ledger_account WHERE account_code = ?";
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, AccountCodes.wallet(actId, currency));
            try (ResultSet result = statement.executeQuery()) {
                return result.next() ? result.getLong(1) : 0;
            }
        } catch (SQLException e) {
            throw new LedgerUnavailableException("could not read a wallet balance", e);
        }
    }

    /** Whether a journal with this outTradeNo is booked (a debit, a reversal). */
    public boolean booked(String outTradeNo) {
        String sql = "SELECT 1 FROM ledger_journal WHERE out_trade_no = ?";
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, outTradeNo);
            try (ResultSet result = statement.executeQuery()) {
                return result.next();
            }
        } catch (SQLException e) {
            throw new LedgerUnavailableException("could not read a journal", e);
        }
    }

    /** Wallet to payout clearing, if the wallet holds the amount. */
    public Status withdraw(String outTradeNo, String actId, Money amount,
            LocalDate businessDate) {
        return move(outTradeNo, WITHDRAWAL, actId, amount, businessDate, true);
    }

    /** Payout clearing back to the wallet, for a payout that failed. */
    public Status reverseWithdrawal(String outTradeNo, String actId, Money amount,
            LocalDate businessDate) {
        return move(outTradeNo, WITHDRAWAL_REVERSAL, actId, amount, businessDate, false);
    }

    private Status move(String outTradeNo, String journalType, String actId, Money amount,
            LocalDate businessDate, boolean fromWallet) {
        if (!amount.isPositive()) {
            throw new IllegalArgumentException("a wallet movement is positive, was " + amount);
        }
        String wallet = AccountCodes.wallet(actId, amount.currency());
        String clearing = AccountCodes.payoutClearing(amount.currency());
        Map<String, AccountSpec> wanted = new LinkedHashMap<>();
        wanted.put(wallet, new AccountSpec(wallet, "WALLET", actId, amount.currency()));
        wanted.put(clearing, new AccountSpec(clearing, "PAYOUT_CLEARING", "payout",
                amount.currency()));
        Map<String, Long> ids = accounts.ensureAccounts(wanted);
        long from = ids.get(fromWallet ? wallet : clearing);
        long to = ids.get(fromWallet ? clearing : wallet);
        SQLException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS_MAX; attempt++) {
            try {
                return moveInTransaction(outTradeNo, journalType, actId, amount, businessDate,
                        from, to, fromWallet ? from : 0);
            } catch (SQLException e) {
                if (!LedgerWriter.isRetryable(e)) {
                    throw new LedgerUnavailableException("wallet movement failed: "
                            + e.getMessage(), e);
                }
                last = e;
                sleep(attempt);
            }
        }
        throw new LedgerUnavailableException("wallet movement failed after " + ATTEMPTS_MAX
                + " attempts", last);
    }

    private Status moveInTransaction(String outTradeNo, String journalType, String actId,
            Money amount, LocalDate businessDate, long from, long to, long guardedAccount)
            throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            try {
                // Lock both rows in account-id order, the order every ledger writer uses.
                TreeMap<Long, Long> balances = lockBalances(connection, from, to);
                if (exists(connection, outTradeNo)) {
                    connection.rollback();
                    return Status.ALREADY_BOOKED;
                }
                if (guardedAccount != 0 && balances.get(guardedAccount) < amount.amountMinor()) {
                    connection.rollback();
                    return Status.INSUFFICIENT_BALANCE;
                }
                LocalDateTime now = LocalDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
                long journalId = insertJournal(connection, outTradeNo, journalType, actId, amount,
                        businessDate, now);
                try (PreparedStatement entries = connection.prepareStatement("INSERT INTO"
                        + " ledger_entry (journal_id, account_id, amount_minor, currency,"
                        + " created_at) VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)");
                        PreparedStatement balance = connection.prepareStatement("UPDATE"
                                + " ledger_account SET balance_minor = balance_minor + ?,"
                                + " updated_at = ? WHERE account_id = ?")) {
                    Object[] values = {journalId, from, -amount.amountMinor(), amount.currency(),
                        now, journalId, to, amount.amountMinor(), amount.currency(), now};
                    for (int i = 0; i < values.length; i++) {
                        entries.setObject(i + 1, values[i]);
                    }
                    entries.executeUpdate();
                    for (long[] move : new long[][] {{from, -amount.amountMinor()},
                        {to, amount.amountMinor()}}) {
                        balance.setLong(1, move[1]);
                        balance.setObject(2, now);
                        balance.setLong(3, move[0]);
                        balance.addBatch();
                    }
                    balance.executeBatch();
                }
                connection.commit();
                return Status.BOOKED;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    private static TreeMap<Long, Long> lockBalances(Connection connection, long first,
            long second) throws SQLException {
        TreeMap<Long, Long> balances = new TreeMap<>();
        try (PreparedStatement statement = connection.prepareStatement("SELECT account_id,"
                + " balance_minor FROM ledger_account WHERE account_id IN (?, ?)"
                + " ORDER BY account_id FOR UPDATE")) {
            statement.setLong(1, first);
            statement.setLong(2, second);
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    balances.put(result.getLong(1), result.getLong(2));
                }
            }
        }
        return balances;
    }

    private static boolean exists(Connection connection, String outTradeNo) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT 1 FROM"
                + " ledger_journal WHERE out_trade_no = ?")) {
            statement.setString(1, outTradeNo);
            try (ResultSet result = statement.executeQuery()) {
                return result.next();
            }
        }
    }

    private long insertJournal(Connection connection, String outTradeNo, String journalType,
            String actId, Money amount, LocalDate businessDate, LocalDateTime now)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("INSERT INTO"
                + " ledger_journal (out_trade_no, journal_type, act_id, currency, amount_minor,"
                + " business_date, source, writer_txn_id, created_at) VALUES (?, ?, ?, ?, ?, ?,"
                + " 'SERVICE', ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
            statement.setString(1, outTradeNo);
            statement.setString(2, journalType);
            statement.setString(3, actId);
            statement.setString(4, amount.currency());
            statement.setLong(5, amount.amountMinor());
            statement.setObject(6, businessDate);
            statement.setLong(7, random.nextLong(1, Long.MAX_VALUE));
            statement.setObject(8, now);
            statement.executeUpdate();
            try (ResultSet keys = statement.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    private void sleep(int attempt) {
        try {
            Thread.sleep(Math.min(500, 20L << attempt) / 2 + random.nextInt(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerUnavailableException("interrupted while retrying", e);
        }
    }
}
