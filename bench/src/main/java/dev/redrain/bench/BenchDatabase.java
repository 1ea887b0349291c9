package dev.redrain.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.redrain.core.schema.RedrainSchema;
import dev.redrain.testsupport.TestServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/** A fresh, migrated MariaDB database for one measurement, dropped when closed. */
final class BenchDatabase implements AutoCloseable {
    final String name;
    final String jdbcUrl;
    final HikariDataSource dataSource;

    BenchDatabase(String label) throws SQLException {
        name = "rdb_" + label + "_" + UUID.randomUUID().toString().substring(0, 8);
        try (Connection connection = serverConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        }
        jdbcUrl = TestServices.jdbcUrl(name);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(TestServices.databaseUser());
        config.setPassword(TestServices.databasePassword());
        config.setMaximumPoolSize(4);
        dataSource = new HikariDataSource(config);
        RedrainSchema.migrate(dataSource);
    }

    long count(String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }

    @Override
    public void close() throws SQLException {
        dataSource.close();
        try (Connection connection = serverConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + name);
        }
    }

    private static Connection serverConnection() throws SQLException {
        return DriverManager.getConnection(TestServices.jdbcUrl(""), TestServices.databaseUser(),
                TestServices.databasePassword());
    }
}
