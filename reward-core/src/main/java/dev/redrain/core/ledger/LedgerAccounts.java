package dev.redrain.core.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * Finds or creates ledger accounts and remembers their ids. Creation runs in its own short
 * autocommit statements, before and outside the money transaction, so that transaction takes
 * no lock on an account row until it moves the balance. An account id never changes once
 * created, so the cache can never be stale; it is bounded and simply cleared when full.
 */
final class LedgerAccounts {
    static final int CACHE_SIZE_MAX = 200_000;
    private static final int CREATE_ATTEMPTS_MAX = 5;

    private final DataSource dataSource;
    private final Map<String, Long> idsByCode = new ConcurrentHashMap<>();

    LedgerAccounts(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The ids of the budget and wallet accounts the requests touch, created where missing. */
    Map<String, Long> ensure(Collection<CreditRequest> requests) {
        Map<String, AccountSpec> wanted = new LinkedHashMap<>();
        for (CreditRequest request : requests) {
            String currency = request.amount().currency();
            wanted.putIfAbsent(request.budgetAccount(), new AccountSpec(request.budgetAccount(),
                    "BUDGET", request.activityId(), currency));
            wanted.putIfAbsent(request.walletAccount(), new AccountSpec(request.walletAccount(),
                    "WALLET", request.actId(), currency));
        }
        return ensureAccounts(wanted);
    }

    /** The ids of the given accounts (by code), created where missing. */
    Map<String, Long> ensureAccounts(Map<String, AccountSpec> wanted) {
        Map<String, Long> ids = new HashMap<>();
        List<String> unknown = new ArrayList<>();
        for (String code : wanted.keySet()) {
            Long id = idsByCode.get(code);
            if (id != null) {
                ids.put(code, id);
            } else {
                unknown.add(code);
            }
        }
        if (unknown.isEmpty()) {
            return ids;
        }
        // Sorted, so two creators lock the unique index in the same order.
        unknown.sort(null);
        for (int attempt = 1; ; attempt++) {
            try {
                ids.putAll(findOrCreate(wanted, unknown));
                break;
            } catch (SQLException e) {
                // Concurrent multi-row inserts of overlapping new codes can still deadlock on
                // InnoDB's gap locks; the loser is rolled back and simply tries again.
                if (attempt >= CREATE_ATTEMPTS_MAX || !LedgerWriter.isRetryable(e)) {
                    throw new LedgerUnavailableException(
                            "could not find or create ledger accounts", e);
                }
                try {
                    Thread.sleep(attempt * 5L);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new LedgerUnavailableException("interrupted creating ledger accounts", e);
                }
            }
        }
        for (String code : wanted.keySet()) {
            if (!ids.containsKey(code)) {
                throw new IllegalStateException("ledger account not found after create: " + code);
            }
        }
        return ids;
    }

    private Map<String, Long> findOrCreate(Map<String, AccountSpec> wanted, List<String> unknown)
            throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            Map<String, Long> found = select(connection, unknown);
            List<AccountSpec> missing = unknown.stream()
                    .filter(code -> !found.containsKey(code)).map(wanted::get).toList();
            if (!missing.isEmpty()) {
                insert(connection, missing);
                found.putAll(select(connection, missing.stream().map(AccountSpec::code).toList()));
            }
            if (idsByCode.size() + found.size() > CACHE_SIZE_MAX) {
                idsByCode.clear();
            }
            idsByCode.putAll(found);
            return found;
        }
    }

    private static Map<String, Long> select(Connection connection, List<String> codes)
            throws SQLException {
        Map<String, Long> ids = new HashMap<>();
        for (List<String> chunk : LedgerWriter.chunks(codes)) {
            String sql = "SELECT account_code, account_id FROM ledger_account WHERE account_code IN ("
                    + LedgerWriter.inList(chunk.size()) + ")";
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                for (int i = 0; i < chunk.size(); i++) {
                    statement.setString(i + 1, chunk.get(i));
                }
                try (ResultSet result = statement.executeQuery()) {
                    while (result.next()) {
                        ids.put(result.getString(1), result.getLong(2));
                    }
                }
            }
        }
        return ids;
    }

    private static void insert(Connection connection, List<AccountSpec> accounts)
            throws SQLException {
        for (List<AccountSpec> chunk : LedgerWriter.chunks(accounts)) {
            // A concurrent creator may win the race; the no-op update absorbs only that.
            String sql = "INSERT INTO ledger_account (account_code, account_type, owner_ref,"
                    + " currency) VALUES " + LedgerWriter.placeholders(chunk.size(), 4)
                    + " ON DUPLICATE KEY UPDATE account_code = account_code";
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                int index = 1;
                for (AccountSpec account : chunk) {
                    statement.setString(index++, account.code());
                    statement.setString(index++, account.type());
                    statement.setString(index++, account.ownerRef());
                    statement.setString(index++, account.currency());
                }
                statement.executeUpdate();
            }
        }
    }

    record AccountSpec(String code, String type, String ownerRef, String currency) {
    }
}
