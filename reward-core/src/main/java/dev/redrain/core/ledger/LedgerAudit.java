package dev.redrain.core.ledger;

import dev.redrain.core.jdbc.Rows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The ledger's own invariants, checked over all of it: every journal sums to zero in each
 * currency, the entries of all accounts sum to zero, and each account's balance is the sum of
 * its entries. The local stack's verification suites and the ledger's tests call it; a
 * {@link #fingerprint} tells whether anything in the ledger changed at all (the abuse suite
 * takes one before and after each attack).
 */
public final class LedgerAudit {
    /** Journals (with their currency) whose entries do not sum to zero. */
    public long unbalancedJournals(Connection connection) throws SQLException {
        return Rows.single(connection, "SELECT COUNT(*) FROM (SELECT journal_id FROM ledger_entry"
                + " GROUP BY journal_id, currency HAVING SUM(amount_minor) <> 0) j");
    }

    /** The sum of all entries by currency: zero in each when every journal balances. */
    public Map<String, Long> entryTotalsByCurrency(Connection connection) throws SQLException {
        return Rows.longsByKey(connection, "SELECT currency, SUM(amount_minor) FROM"
                + " ledger_entry GROUP BY currency");
    }

    /** Accounts whose balance is not the sum of their entries. */
    public long accountsOffTheirEntries(Connection connection) throws SQLException {
        return Rows.single(connection, "SELECT COUNT(*) FROM ledger_account a LEFT JOIN (SELECT"
                + " account_id, SUM(amount_minor) s FROM ledger_entry GROUP BY account_id) e"
                + " ON e.account_id = a.account_id WHERE a.balance_minor <> COALESCE(e.s, 0)");
    }

    /**
     * What changes when anything is booked: entry and journal counts, sums and highest ids,
     * and every account's balance. Equal fingerprints mean the ledger did not change.
     */
    public List<String> fingerprint(Connection connection) throws SQLException {
        List<String> lines = new ArrayList<>();
        lines.add("entries " + row(connection, "SELECT COUNT(*), COALESCE(SUM(amount_minor), 0),"
                + " COALESCE(MAX(entry_id), 0) FROM ledger_entry"));
        lines.add("journals " + row(connection, "SELECT COUNT(*), COALESCE(MAX(journal_id), 0)"
                + " FROM ledger_journal"));
        Rows.longsByKey(connection, "SELECT account_code, balance_minor FROM ledger_account")
                .forEach((account, balance) -> lines.add("account " + account + " " + balance));
        return lines;
    }

    private static String row(Connection connection, String sql) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(sql);
                ResultSet rows = select.executeQuery()) {
            List<String> values = new ArrayList<>();
            if (rows.next()) {
                for (int i = 1; i <= rows.getMetaData().getColumnCount(); i++) {
                    values.add(rows.getString(i));
                }
            }
            return String.join(" ", values);
        }
    }
}
