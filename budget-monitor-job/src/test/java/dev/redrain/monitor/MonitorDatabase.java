package dev.redrain.monitor;

import dev.redrain.testsupport.MariaDbExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.BooleanSupplier;

/** What the monitor's cluster tests do with the database: seed, count, wait. */
final class MonitorDatabase {
    private final MariaDbExtension db;

    MonitorDatabase(MariaDbExtension db) {
        this.db = db;
    }

    void execute(String sql, Object... values) throws SQLException {
        try (Connection connection = db.dataSource().getConnection();
                var statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                statement.setObject(i + 1, values[i]);
            }
            statement.executeUpdate();
        }
    }

    long count(String sql) {
        try (Connection connection = db.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            return rows.next() ? rows.getLong(1) : -1;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static void await(BooleanSupplier condition, String what, long secondsMax)
            throws InterruptedException {
        long deadline = System.nanoTime() + secondsMax * 1_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
