package dev.redrain.issuance.admin;

import dev.redrain.core.jdbc.Rows;
import java.sql.Connection;
import java.sql.SQLException;

/** How many admin actions the audit holds, for outsiders (the abuse suite). */
public final class AuditReads {
    public long entries(Connection connection) throws SQLException {
        return Rows.single(connection, "SELECT COUNT(*) FROM admin_audit");
    }
}
