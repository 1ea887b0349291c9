package dev.redrain.issuance.budget;

import dev.redrain.core.jdbc.Rows;
import java.sql.Connection;
import java.sql.SQLException;

/** How many budget raises were recorded, for outsiders (the abuse suite). */
public final class BudgetReads {
    public long raises(Connection connection) throws SQLException {
        return Rows.single(connection, "SELECT COUNT(*) FROM budget_raise");
    }
}
