package dev.redrain.monitor;

import dev.redrain.core.jdbc.Rows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The alerts {@link AlertJdbcSink} wrote, as outsiders read them (the local stack's dashboard
 * and summary). The sink owns {@code budget_alert}; this is its read side.
 */
public final class AlertReads {
    /** One fired alert, as on-call sees it. */
    /** @param fallbackSwitch the switch that names the alert's parent activity, or null */
    public record Fired(String alertId, Instant firedAt, String severity, String rule,
            String templateId, String summary, String runbookUrl, String fallbackSwitch) {
    }

    /** The latest alerts, newest first, at most {@code limit}. */
    public List<Fired> latest(Connection connection, int limit) throws SQLException {
        List<Fired> alerts = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT alert_id,"
                + " fired_at, severity, rule, template_id, summary, runbook_url,"
                + " parent_activity_id FROM budget_alert"
                + " ORDER BY fired_at DESC, alert_id LIMIT ?")) {
            select.setInt(1, limit);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    alerts.add(new Fired(rows.getString(1), rows.getTimestamp(2).toInstant(),
                            rows.getString(3), rows.getString(4), rows.getString(5),
                            rows.getString(6), rows.getString(7), rows.getString(8) == null
                                    ? null : "fallback-only:" + rows.getString(8)));
                }
            }
        }
        return alerts;
    }

    /** How many alerts each rule fired. */
    public Map<String, Long> countsByRule(Connection connection) throws SQLException {
        return Rows.longsByKey(connection, "SELECT rule, COUNT(*) FROM budget_alert GROUP BY"
                + " rule");
    }
}
