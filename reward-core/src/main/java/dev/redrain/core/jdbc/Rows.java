package dev.redrain.core.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The two shapes the table owners' small reads return: one number, or a number per key. The
 * SQL stays in the owner that passes it; this only runs it on the caller's connection.
 */
public final class Rows {
    private Rows() {
    }

    /** The first column of the first row as a long; 0 when there is no row. */
    public static long single(Connection connection, String sql, Object... args)
            throws SQLException {
        try (PreparedStatement select = prepare(connection, sql, args);
                ResultSet rows = select.executeQuery()) {
            return rows.next() ? rows.getLong(1) : 0;
        }
    }

    /** The first column as the key, the second as its long value, sorted by key. */
    public static Map<String, Long> longsByKey(Connection connection, String sql,
            Object... args) throws SQLException {
        Map<String, Long> values = new TreeMap<>();
        try (PreparedStatement select = prepare(connection, sql, args);
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                values.put(rows.getString(1), rows.getLong(2));
            }
        }
        return values;
    }

    private static PreparedStatement prepare(Connection connection, String sql, Object[] args)
            throws SQLException {
        PreparedStatement select = connection.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            select.setObject(i + 1, args[i]);
        }
        return select;
    }
}
