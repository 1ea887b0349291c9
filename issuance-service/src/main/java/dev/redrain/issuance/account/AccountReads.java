package dev.redrain.issuance.account;

import dev.redrain.core.jdbc.Rows;
import java.sql.Connection;
import java.sql.SQLException;

/** How many unified accounts and app bindings there are, for outsiders (the abuse suite). */
public final class AccountReads {
    public long accounts(Connection connection) throws SQLException {
        return Rows.single(connection, "SELECT COUNT(*) FROM unified_account");
    }

    public long bindings(Connection connection) throws SQLException {
        return Rows.single(connection, "SELECT COUNT(*) FROM account_binding");
    }
}
