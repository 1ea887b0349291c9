package dev.redrain.core.ledger;

import dev.redrain.core.catalog.CatalogStore;
import dev.redrain.core.ledger.CreditResult.Status;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * The ledger write path, shared by the credit job, the service's forced credit and the nightly
 * repair. Plain JDBC against MySQL or MariaDB.
 *
 * <p>One call books a batch in one transaction: a multi-row insert of the journals that skips
 * outTradeNos already booked (the unique key makes a replay a no-op), two entries per new
 * journal (budget debited, wallet credited, summing to zero), and each touched account's balance
 * moved once by the batch's net amount. A batch that contains booked outTradeNos still books the
 * others exactly once. Locks are taken in a fixed order (journals by outTradeNo, accounts by
 * id) so concurrent batches queue instead of deadlocking; a deadlock or lost connection is
 * retried a bounded number of times, and a retry recognises rows its own earlier attempt
 * committed.
 *
 * <p>The ledger enforces budgets by itself, in the same transaction: an activity stage's
 * budget account is never drawn beyond the sum of that stage's template budgets in the
 * asset (budget raises are part of a template's budget). A credit that would go beyond is
 * not booked ({@link CreditResult.Status#OVER_BUDGET}); the others of its batch are. This does
 * not depend on Redis's counters, so a budget planted in Redis, or a forged grant that got
 * past every other check, cannot draw more than the budget operators set.
 */
public final class LedgerWriter {
    /** Largest batch one call accepts. */
    public static final int BATCH_SIZE_MAX = 2_000;
    /** Rows per multi-row statement; bounds statement size and placeholders. */
    static final int ROWS_PER_STATEMENT_MAX = 500;
    static final int ATTEMPTS_MAX = 5;
    private static final long BACKOFF_MS_BASE = 20;
    private static final long BACKOFF_MS_MAX = 1_000;
    private static final int MYSQL_DEADLOCK = 1213;
    private static final int MYSQL_LOCK_WAIT_TIMEOUT = 1205;
    /** Budgets are the catalog's: read through its owner, in this transaction. */
    private static final CatalogStore CATALOG = new CatalogStore();
    static final String JOURNAL_TYPE_TOKEN_CREDIT = "TOKEN_CREDIT";

    private final DataSource dataSource;
    private final Clock clock;
    private final LedgerAccounts accounts;
    private final SecureRandom random = new SecureRandom();

    public LedgerWriter(DataSource dataSource, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.accounts = new LedgerAccounts(dataSource);
    }

    /** Books one token. */
    public CreditResult credit(CreditRequest request) {
        return creditBatch(List.of(request)).get(0);
    }

    /**
     * Books a batch in one transaction and returns one result per request, in request order.
     * The same outTradeNo twice in one batch is booked once; the second gets ALREADY_CREDITED.
     *
     * @throws LedgerUnavailableException when the database stays unavailable; retry later
     */
    public List<CreditResult> creditBatch(List<CreditRequest> requests) {
        if (requests.isEmpty() || requests.size() > BATCH_SIZE_MAX) {
            throw new IllegalArgumentException("a batch holds 1 to " + BATCH_SIZE_MAX
                    + " requests, got " + requests.size());
        }
        // First occurrence per outTradeNo, sorted: the lock order of the journal inserts.
        TreeMap<String, CreditRequest> unique = new TreeMap<>();
        for (CreditRequest request : requests) {
            unique.putIfAbsent(request.outTradeNo(), request);
        }
        Map<String, Long> accountIds = accounts.ensure(unique.values());
        Set<Long> ownTransactionIds = new HashSet<>();
        SQLException lastFailure = null;
        for (int attempt = 1; attempt <= ATTEMPTS_MAX; attempt++) {
            long transactionId = newTransactionId();
            ownTransactionIds.add(transactionId);
            try {
                Map<String, JournalRow> journals =
                        bookInTransaction(unique, accountIds, transactionId, ownTransactionIds);
                return results(requests, journals, ownTransactionIds);
            } catch (SQLException e) {
                if (!isRetryable(e)) {
                    throw new LedgerUnavailableException("ledger write failed: " + e.getMessage(), e);
                }
                lastFailure = e;
                sleepBeforeRetry(attempt);
            }
        }
        throw new LedgerUnavailableException("ledger write failed after " + ATTEMPTS_MAX
                + " attempts", lastFailure);
    }

    private Map<String, JournalRow> bookInTransaction(TreeMap<String, CreditRequest> unique,
            Map<String, Long> accountIds, long transactionId, Set<Long> ownTransactionIds)
            throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            try {
                LocalDateTime now = LocalDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
                insertJournals(connection, unique.values(), transactionId, now);
                Map<String, JournalRow> journals = selectJournals(connection, unique.keySet());
                List<CreditRequest> booked = new ArrayList<>();
                for (CreditRequest request : unique.values()) {
                    JournalRow row = journals.get(request.outTradeNo());
                    if (row == null) {
                        throw new IllegalStateException("journal missing right after its insert: "
                                + request.outTradeNo());
                    }
                    if (row.writerTransactionId() == transactionId) {
                        booked.add(request);
                    }
                }
                Set<String> overBudget = overBudget(connection, booked, accountIds);
                if (!overBudget.isEmpty()) {
                    deleteOwnJournals(connection, overBudget, transactionId);
                    recordRefusals(connection, unique, overBudget, now);
                    booked.removeIf(request -> overBudget.contains(request.outTradeNo()));
                    journals.keySet().removeAll(overBudget);
                }
                insertEntries(connection, booked, journals, accountIds, now);
                updateBalances(connection, booked, accountIds, now);
                connection.commit();
                return journals;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(connection, e);
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    private static void insertJournals(Connection connection, Iterable<CreditRequest> requests,
            long transactionId, LocalDateTime now) throws SQLException {
        List<CreditRequest> rows = new ArrayList<>();
        requests.forEach(rows::add);
        for (List<CreditRequest> chunk : chunks(rows)) {
            // ON DUPLICATE KEY with a no-op update, not INSERT IGNORE: only a duplicate
            // outTradeNo is skipped; any other error (truncation, a failed CHECK) still fails.
            String sql = "INSERT INTO ledger_journal (out_trade_no, journal_type, act_id,"
                    + " activity_id, stage, award_type, currency, amount_minor, business_date,"
                    + " source, writer_txn_id, created_at) VALUES "
                    + placeholders(chunk.size(), 12)
                    + " ON DUPLICATE KEY UPDATE out_trade_no = out_trade_no";
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                int index = 1;
                for (CreditRequest request : chunk) {
                    statement.setString(index++, request.outTradeNo());
                    statement.setString(index++, JOURNAL_TYPE_TOKEN_CREDIT);
                    statement.setString(index++, request.actId());
                    statement.setString(index++, request.activityId());
                    statement.setString(index++, request.stage().name());
                    statement.setString(index++, request.awardType());
                    statement.setString(index++, request.amount().currency());
                    statement.setLong(index++, request.amount().amountMinor());
                    statement.setObject(index++, request.businessDate());
                    statement.setString(index++, request.source().name());
                    statement.setLong(index++, transactionId);
                    statement.setObject(index++, now);
                }
                statement.executeUpdate();
            }
        }
    }

    private static Map<String, JournalRow> selectJournals(Connection connection,
            Set<String> outTradeNos) throws SQLException {
        Map<String, JournalRow> rows = new HashMap<>();
        for (List<String> chunk : chunks(new ArrayList<>(outTradeNos))) {
            String sql = "SELECT out_trade_no, journal_id, writer_txn_id, journal_type, act_id,"
                    + " activity_id, stage, currency, amount_minor, source FROM ledger_journal"
                    + " WHERE out_trade_no IN (" + inList(chunk.size()) + ")";
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                for (int i = 0; i < chunk.size(); i++) {
                    statement.setString(i + 1, chunk.get(i));
                }
                try (ResultSet result = statement.executeQuery()) {
                    while (result.next()) {
                        JournalRow row = new JournalRow(result.getString(1), result.getLong(2),
                                result.getLong(3), result.getString(4), result.getString(5),
                                result.getString(6), result.getString(7), result.getString(8),
                                result.getLong(9), parseSource(result.getString(10)));
                        rows.put(row.outTradeNo(), row);
                    }
                }
            }
        }
        return rows;
    }

    /**
     * The requests (of those this transaction is booking) that would draw their budget account
     * beyond its limit, taken in outTradeNo order. Locks the budget accounts first, in id
     * order, so the balance read is the one this transaction moves.
     */
    private static Set<String> overBudget(Connection connection, List<CreditRequest> booked,
            Map<String, Long> accountIds) throws SQLException {
        if (booked.isEmpty()) {
            return Set.of();
        }
        TreeMap<Long, CreditRequest> budgetAccounts = new TreeMap<>();
        for (CreditRequest request : booked) {
            budgetAccounts.putIfAbsent(accountIds.get(request.budgetAccount()), request);
        }
        Map<Long, Long> drawnByAccount = lockBudgetBalances(connection, budgetAccounts.keySet());
        Map<String, Long> limits = budgetLimits(connection, budgetAccounts.values());
        Set<String> refused = new HashSet<>();
        for (CreditRequest request : booked) {
            long account = accountIds.get(request.budgetAccount());
            long limit = limits.getOrDefault(limitKey(request), 0L);
            long drawn = drawnByAccount.get(account);
            long after = Math.addExact(drawn, request.amount().amountMinor());
            if (after > limit) {
                refused.add(request.outTradeNo());
            } else {
                drawnByAccount.put(account, after);
            }
        }
        return refused;
    }

    /** What each budget account has paid out so far (its balance, negated), locked. */
    private static Map<Long, Long> lockBudgetBalances(Connection connection,
            Set<Long> accountIds) throws SQLException {
        Map<Long, Long> drawn = new HashMap<>();
        List<Long> ids = new ArrayList<>(accountIds);
        String sql = "SELECT account_id, balance_minor FROM ledger_account WHERE account_id IN ("
                + inList(ids.size()) + ") ORDER BY account_id FOR UPDATE";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < ids.size(); i++) {
                statement.setLong(i + 1, ids.get(i));
            }
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    drawn.put(result.getLong(1), Math.negateExact(result.getLong(2)));
                }
            }
        }
        return drawn;
    }

    /** The budget of each (activity stage, asset) the requests draw on: its templates' sum. */
    private static Map<String, Long> budgetLimits(Connection connection,
            Collection<CreditRequest> requests) throws SQLException {
        return CATALOG.stageBudgets(connection, requests.stream()
                .map(CreditRequest::activityId).toList());
    }

    private static String limitKey(CreditRequest request) {
        return request.activityId() + "\u0000" + request.amount().currency();
    }

    /** Records each refused credit (ledger_refusal), so the night can name it OVER_BUDGET. */
    private static void recordRefusals(Connection connection, Map<String, CreditRequest> unique,
            Set<String> refused, LocalDateTime now) throws SQLException {
        List<CreditRequest> rows = new ArrayList<>();
        refused.forEach(outTradeNo -> rows.add(unique.get(outTradeNo)));
        rows.sort(Comparator.comparing(CreditRequest::outTradeNo));
        for (List<CreditRequest> chunk : chunks(rows)) {
            String sql = "INSERT INTO ledger_refusal (out_trade_no, reason, act_id, activity_id,"
                    + " stage, award_type, currency, amount_minor, source, first_refused_at,"
                    + " last_refused_at) VALUES " + placeholders(chunk.size(), 11)
                    + " ON DUPLICATE KEY UPDATE refusals = refusals + 1,"
                    + " last_refused_at = VALUES(last_refused_at)";
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                int index = 1;
                for (CreditRequest request : chunk) {
                    statement.setString(index++, request.outTradeNo());
                    statement.setString(index++, Status.OVER_BUDGET.name());
                    statement.setString(index++, request.actId());
                    statement.setString(index++, request.activityId());
                    statement.setString(index++, request.stage().name());
                    statement.setString(index++, request.awardType());
                    statement.setString(index++, request.amount().currency());
                    statement.setLong(index++, request.amount().amountMinor());
                    statement.setString(index++, request.source().name());
                    statement.setObject(index++, now);
                    statement.setObject(index++, now);
                }
                statement.executeUpdate();
            }
        }
    }

    /** Takes back journals this transaction inserted for credits it then refused. */
    private static void deleteOwnJournals(Connection connection, Set<String> outTradeNos,
            long transactionId) throws SQLException {
        List<String> numbers = new ArrayList<>(outTradeNos);
        for (List<String> chunk : chunks(numbers)) {
            String sql = "DELETE FROM ledger_journal WHERE writer_txn_id = ? AND out_trade_no IN ("
                    + inList(chunk.size()) + ")";
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.setLong(1, transactionId);
                for (int i = 0; i < chunk.size(); i++) {
                    statement.setString(i + 2, chunk.get(i));
                }
                if (statement.executeUpdate() != chunk.size()) {
                    throw new IllegalStateException("refused journals were not this"
                            + " transaction's own");
                }
            }
        }
    }

    private static void insertEntries(Connection connection, List<CreditRequest> booked,
            Map<String, JournalRow> journals, Map<String, Long> accountIds, LocalDateTime now)
            throws SQLException {
        for (List<CreditRequest> chunk : chunks(booked)) {
            String sql = "INSERT INTO ledger_entry (journal_id, account_id, amount_minor, currency,"
                    + " created_at) VALUES " + placeholders(chunk.size() * 2, 5);
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                int index = 1;
                for (CreditRequest request : chunk) {
                    long journalId = journals.get(request.outTradeNo()).journalId();
                    long amount = request.amount().amountMinor();
                    String currency = request.amount().currency();
                    for (Posting posting : postings(request, accountIds, amount)) {
                        statement.setLong(index++, journalId);
                        statement.setLong(index++, posting.accountId());
                        statement.setLong(index++, posting.amountMinor());
                        statement.setString(index++, currency);
                        statement.setObject(index++, now);
                    }
                }
                int inserted = statement.executeUpdate();
                if (inserted != chunk.size() * 2) {
                    throw new IllegalStateException("expected " + chunk.size() * 2
                            + " ledger entries, inserted " + inserted);
                }
            }
        }
    }

    private static void updateBalances(Connection connection, List<CreditRequest> booked,
            Map<String, Long> accountIds, LocalDateTime now) throws SQLException {
        // One net movement per account per batch: the hot budget row is updated once per batch,
        // not once per token. Sorted by account id: the lock order.
        TreeMap<Long, Long> deltas = new TreeMap<>();
        Map<String, Long> netByCurrency = new HashMap<>();
        for (CreditRequest request : booked) {
            long amount = request.amount().amountMinor();
            for (Posting posting : postings(request, accountIds, amount)) {
                deltas.merge(posting.accountId(), posting.amountMinor(), Math::addExact);
                netByCurrency.merge(request.amount().currency(), posting.amountMinor(),
                        Math::addExact);
            }
        }
        netByCurrency.forEach((currency, net) -> {
            if (net != 0) {
                throw new IllegalStateException("unbalanced batch in " + currency + ": " + net);
            }
        });
        List<Map.Entry<Long, Long>> rows = new ArrayList<>(deltas.entrySet());
        for (List<Map.Entry<Long, Long>> chunk : chunks(rows)) {
            StringBuilder sql = new StringBuilder(
                    "UPDATE ledger_account SET balance_minor = balance_minor + CASE account_id");
            chunk.forEach(row -> sql.append(" WHEN ? THEN ?"));
            sql.append(" END, updated_at = ? WHERE account_id IN (")
                    .append(inList(chunk.size())).append(')');
            try (PreparedStatement statement = connection.prepareStatement(sql.toString())) {
                int index = 1;
                for (Map.Entry<Long, Long> row : chunk) {
                    statement.setLong(index++, row.getKey());
                    statement.setLong(index++, row.getValue());
                }
                statement.setObject(index++, now);
                for (Map.Entry<Long, Long> row : chunk) {
                    statement.setLong(index++, row.getKey());
                }
                int updated = statement.executeUpdate();
                if (updated != chunk.size()) {
                    throw new IllegalStateException("expected " + chunk.size()
                            + " account balances to move, moved " + updated);
                }
            }
        }
    }

    private static List<Posting> postings(CreditRequest request, Map<String, Long> accountIds,
            long amount) {
        return List.of(
                new Posting(accountIds.get(request.budgetAccount()), Math.negateExact(amount)),
                new Posting(accountIds.get(request.walletAccount()), amount));
    }

    private static List<CreditResult> results(List<CreditRequest> requests,
            Map<String, JournalRow> journals, Set<Long> ownTransactionIds) {
        List<CreditResult> results = new ArrayList<>(requests.size());
        Set<String> reported = new HashSet<>();
        for (CreditRequest request : requests) {
            JournalRow row = journals.get(request.outTradeNo());
            boolean firstOccurrence = reported.add(request.outTradeNo());
            Status status;
            if (row == null) {
                // Refused by the budget guard: no journal was kept.
                results.add(new CreditResult(request.outTradeNo(), Status.OVER_BUDGET, 0, null));
                continue;
            } else if (!row.matches(request)) {
                status = Status.CONFLICT;
            } else if (firstOccurrence && ownTransactionIds.contains(row.writerTransactionId())) {
                status = Status.CREDITED;
            } else {
                status = Status.ALREADY_CREDITED;
            }
            long journalId = status == Status.CONFLICT ? 0 : row.journalId();
            results.add(new CreditResult(request.outTradeNo(), status, journalId, row.source()));
        }
        return results;
    }

    static <T> List<List<T>> chunks(List<T> rows) {
        List<List<T>> chunks = new ArrayList<>();
        for (int start = 0; start < rows.size(); start += ROWS_PER_STATEMENT_MAX) {
            chunks.add(rows.subList(start, Math.min(rows.size(), start + ROWS_PER_STATEMENT_MAX)));
        }
        return chunks;
    }

    static String placeholders(int rows, int columns) {
        String row = "(" + "?,".repeat(columns - 1) + "?)";
        return (row + ",").repeat(rows - 1) + row;
    }

    static String inList(int size) {
        return "?,".repeat(size - 1) + "?";
    }

    /** The source of a token journal; null for journals of other types (withdrawals). */
    private static CreditSource parseSource(String source) {
        for (CreditSource candidate : CreditSource.values()) {
            if (candidate.name().equals(source)) {
                return candidate;
            }
        }
        return null;
    }

    static boolean isRetryable(SQLException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql) {
                int code = sql.getErrorCode();
                String state = sql.getSQLState();
                if (code == MYSQL_DEADLOCK || code == MYSQL_LOCK_WAIT_TIMEOUT
                        || sql instanceof SQLTransientException
                        || sql instanceof SQLRecoverableException
                        || (state != null && (state.startsWith("08") || state.equals("40001")))) {
                    return true;
                }
            }
        }
        return false;
    }

    private long newTransactionId() {
        long id;
        do {
            id = random.nextLong();
        } while (id == 0);
        return id;
    }

    private void sleepBeforeRetry(int attempt) {
        long backoff = Math.min(BACKOFF_MS_MAX, BACKOFF_MS_BASE << (attempt - 1));
        try {
            Thread.sleep(backoff / 2 + random.nextLong(backoff / 2 + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerUnavailableException("interrupted while retrying a ledger write", e);
        }
    }

    private static void rollbackQuietly(Connection connection, Exception cause) {
        try {
            connection.rollback();
        } catch (SQLException rollbackFailure) {
            cause.addSuppressed(rollbackFailure);
        }
    }

    private record Posting(long accountId, long amountMinor) {
    }

    private record JournalRow(String outTradeNo, long journalId, long writerTransactionId,
            String journalType, String actId, String activityId, String stage, String currency,
            long amountMinor, CreditSource source) {

        boolean matches(CreditRequest request) {
            return JOURNAL_TYPE_TOKEN_CREDIT.equals(journalType)
                    && actId.equals(request.actId())
                    && activityId.equals(request.activityId())
                    && stage.equals(request.stage().name())
                    && currency.equals(request.amount().currency())
                    && amountMinor == request.amount().amountMinor();
        }
    }
}
