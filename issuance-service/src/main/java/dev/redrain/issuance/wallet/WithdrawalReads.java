package dev.redrain.issuance.wallet;

import dev.redrain.core.jdbc.Rows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The withdrawals as outsiders may read them (the local stack's summary and abuse suite). The
 * wallet owns {@code wallet_withdrawal}; this is its read side, plain JDBC and nothing but the
 * JDK, so a reader needs none of the service's libraries.
 */
public final class WithdrawalReads {
    /** Minor units of the withdrawals the channel paid. */
    public long paidMinor(Connection connection) throws SQLException {
        return Rows.single(connection, "SELECT COALESCE(SUM(amount_minor), 0) FROM"
                + " wallet_withdrawal WHERE status = 'PAID'");
    }

    /** Every withdrawal as {@code id status amount}: equal lists mean none changed. */
    public List<String> fingerprint(Connection connection) throws SQLException {
        List<String> lines = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT withdrawal_id,"
                + " status, amount_minor FROM wallet_withdrawal ORDER BY withdrawal_id");
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                lines.add(rows.getLong(1) + " " + rows.getString(2) + " " + rows.getLong(3));
            }
        }
        return lines;
    }
}
