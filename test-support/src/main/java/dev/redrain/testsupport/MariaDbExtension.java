package dev.redrain.testsupport;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class a fresh database of its own on the shared MariaDB (or MySQL), created before
 * the first test and dropped after the last. Register it as a static field:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final MariaDbExtension DB = new MariaDbExtension().afterCreate(RedrainSchema::migrate);
 * }</pre>
 *
 * <p>The database is real: tests that prove locking, uniqueness or transaction behaviour prove
 * it against the server the product runs on, not an imitation.
 */
public final class MariaDbExtension implements BeforeAllCallback, AfterAllCallback {
    private static final int POOL_SIZE_MAX = 16;

    private Consumer<DataSource> initializer = dataSource -> { };
    private String databaseName;
    private HikariDataSource dataSource;

    /** Runs once on the new, empty database, for example to apply the migrations. */
    public MariaDbExtension afterCreate(Consumer<DataSource> databaseInitializer) {
        this.initializer = databaseInitializer;
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws SQLException {
        databaseName = TestNames.unique("rdt_", context.getRequiredTestClass().getSimpleName());
        executeOnServer("CREATE DATABASE `" + databaseName + "` CHARACTER SET utf8mb4");
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl());
        config.setUsername(TestServices.databaseUser());
        config.setPassword(TestServices.databasePassword());
        config.setMaximumPoolSize(POOL_SIZE_MAX);
        config.setPoolName(databaseName);
        dataSource = new HikariDataSource(config);
        initializer.accept(dataSource);
    }

    @Override
    public void afterAll(ExtensionContext context) throws SQLException {
        if (dataSource != null) {
            dataSource.close();
        }
        if (databaseName != null) {
            executeOnServer("DROP DATABASE IF EXISTS `" + databaseName + "`");
        }
    }

    public DataSource dataSource() {
        return requireStarted(dataSource);
    }

    public String databaseName() {
        return requireStarted(databaseName);
    }

    public String jdbcUrl() {
        return TestServices.jdbcUrl(requireStarted(databaseName));
    }

    public String user() {
        return TestServices.databaseUser();
    }

    public String password() {
        return TestServices.databasePassword();
    }

    private static void executeOnServer(String sql) throws SQLException {
        String serverUrl = TestServices.jdbcUrl("");
        try (Connection connection = DriverManager.getConnection(
                        serverUrl, TestServices.databaseUser(), TestServices.databasePassword());
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new SQLException("MariaDB at " + TestServices.databaseHost() + ":"
                    + TestServices.databasePort() + " refused '" + sql
                    + "'. Is it running? Run scripts/services.sh", e);
        }
    }

    private static <T> T requireStarted(T value) {
        if (value == null) {
            throw new IllegalStateException(
                    "MariaDbExtension is not started: register it as a static @RegisterExtension");
        }
        return value;
    }
}
