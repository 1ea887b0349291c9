package dev.redrain.core.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.testsupport.MariaDbExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedrainSchemaITCase {
    @RegisterExtension
    static final MariaDbExtension EMPTY_DB = new MariaDbExtension();

    @RegisterExtension
    static final MariaDbExtension DB = new MariaDbExtension().afterCreate(RedrainSchema::migrate);

    @Test
    void migrationsApplyToAnEmptyDatabaseAndASecondRunIsANoOp() throws SQLException {
        assertThat(tables()).isEmpty();
        int applied = RedrainSchema.migrate(EMPTY_DB.dataSource());
        assertThat(applied).isGreaterThanOrEqualTo(1);
        assertThat(tables()).contains("unified_account", "account_binding", "asset", "award_type",
                "activity", "activity_allow_list", "reward_template", "ledger_account",
                "ledger_journal", "ledger_entry", "wallet_withdrawal", "payment_record", "outbox",
                "budget_alert", "settlement_run", "settlement_report_file", "recon_break",
                RedrainSchema.HISTORY_TABLE);
        List<String> before = tables();

        assertThat(RedrainSchema.migrate(EMPTY_DB.dataSource())).isZero();
        assertThat(tables()).isEqualTo(before);
        assertThat(RedrainSchema.flyway(EMPTY_DB.dataSource()).info().pending()).isEmpty();
    }

    @Test
    void theSchemaRefusesAmountsThatCannotBeMoney() throws SQLException {
        try (Connection connection = DB.dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO activity (activity_id, name, starts_at, ends_at)"
                    + " VALUES ('p1', 'parent', '2026-11-25', '2026-11-26')");
            String template = "INSERT INTO reward_template (template_id, activity_id, award_type,"
                    + " currency, amount_rule, fixed_amount_minor, budget_minor) VALUES ";
            statement.execute(template + "('ok', 'p1', 'CASH', 'CNY', 'FIXED', 888, 100000)");
            assertRefused(statement, template + "('t0', 'p1', 'CASH', 'CNY', 'FIXED', 0, 1000)");
            assertRefused(statement, template + "('t1', 'p1', 'CASH', 'CNY', 'FIXED', NULL, 1000)");
            assertRefused(statement, template + "('t2', 'p1', 'CASH', 'CNY', 'FIXED', 5, -1)");
            assertRefused(statement, template + "('t3', 'p1', 'CASH', 'XXX', 'FIXED', 5, 10)");
            assertRefused(statement, template + "('t4', 'p1', 'CASH', 'CNY', 'RANDOM', 5, 10)");
            assertRefused(statement, "INSERT INTO activity (activity_id, name, stage, starts_at,"
                    + " ends_at) VALUES ('c1', 'child', 'PROD', '2026-11-25', '2026-11-26')");
        }
    }

    private static void assertRefused(Statement statement, String sql) {
        try {
            statement.execute(sql);
        } catch (SQLException expected) {
            return;
        }
        throw new AssertionError("the schema accepted: " + sql);
    }

    private static List<String> tables() throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Connection connection = EMPTY_DB.dataSource().getConnection();
                ResultSet result = connection.getMetaData().getTables(EMPTY_DB.databaseName(), null, "%",
                        new String[] {"TABLE"})) {
            while (result.next()) {
                tables.add(result.getString("TABLE_NAME"));
            }
        }
        return tables;
    }
}
