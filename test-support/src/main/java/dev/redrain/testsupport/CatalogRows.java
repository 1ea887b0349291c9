package dev.redrain.testsupport;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Catalog rows for tests and benchmarks that publish token events without the issuance
 * service: the credit job books an event only when its activity, stage and template exist
 * (and its grant proof verifies). Idempotent: a row that exists is left as it is.
 */
public final class CatalogRows {
    private CatalogRows() {
    }

    /**
     * A parent activity, its stage child, and a UNIFORM template paying 1..{@code maxMinor}
     * out of {@code budgetMinor}.
     */
    public static void uniformTemplate(DataSource dataSource, String parentActivityId,
            String activityId, String stage, String templateId, String awardType,
            String currency, long maxMinor, long budgetMinor) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            update(connection, "INSERT IGNORE INTO activity (activity_id, name, live_stage,"
                    + " starts_at, ends_at, status) VALUES (?, ?, ?, '2020-01-01', '2099-01-01',"
                    + " 'ACTIVE')", parentActivityId, parentActivityId, stage);
            update(connection, "INSERT IGNORE INTO activity (activity_id, parent_activity_id,"
                    + " name, stage, starts_at, ends_at, status) VALUES (?, ?, ?, ?, '2020-01-01',"
                    + " '2099-01-01', 'ACTIVE')", activityId, parentActivityId, activityId, stage);
            update(connection, "INSERT IGNORE INTO reward_template (template_id, activity_id,"
                    + " award_type, currency, amount_rule, min_amount_minor, max_amount_minor,"
                    + " budget_minor) VALUES (?, ?, ?, ?, 'UNIFORM', 1, ?, ?)", templateId,
                    activityId, awardType, currency, maxMinor, budgetMinor);
        }
    }

    private static void update(Connection connection, String sql, Object... values)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                statement.setObject(i + 1, values[i]);
            }
            statement.executeUpdate();
        }
    }
}
