package dev.redrain.monitor;

import dev.redrain.core.event.BudgetAlert;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;

/**
 * Alerts into MySQL's {@code budget_alert}, idempotent on the alert id (INSERT IGNORE), so a
 * replay after a restore writes nothing twice. Buffered and written on every checkpoint and
 * every {@code batchSize} alerts: at least once, exactly once in effect.
 */
public class AlertJdbcSink implements Sink<BudgetAlert> {
    static final String INSERT = "INSERT IGNORE INTO budget_alert (alert_id, dedupe_key,"
            + " severity, rule, activity_id, stage, template_id, observed_value, expected_value,"
            + " value_unit, window_start, window_end, projected_exhaustion_at, runbook_url,"
            + " summary, fired_at, parent_activity_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            + " ?, ?, ?, ?, ?, ?)";
    private static final int ATTEMPTS = 3;

    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final int batchSize;

    public AlertJdbcSink(String jdbcUrl, String user, String password, int batchSize) {
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        this.batchSize = batchSize;
    }

    @Override
    public SinkWriter<BudgetAlert> createWriter(WriterInitContext context) {
        return new Writer(context.metricGroup().counter("alertsStored"));
    }

    private final class Writer implements SinkWriter<BudgetAlert> {
        private final List<BudgetAlert> buffer = new ArrayList<>();
        private final Counter stored;
        private Connection connection;

        Writer(Counter stored) {
            this.stored = stored;
        }

        @Override
        public void write(BudgetAlert alert, Context context) throws IOException {
            buffer.add(alert);
            if (buffer.size() >= batchSize) {
                flush(false);
            }
        }

        @Override
        public void flush(boolean endOfInput) throws IOException {
            if (buffer.isEmpty()) {
                return;
            }
            SQLException last = null;
            for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
                try {
                    insert();
                    stored.inc(buffer.size());
                    buffer.clear();
                    return;
                } catch (SQLException e) {
                    last = e;
                    closeQuietly();
                    sleep(attempt * 200L);
                }
            }
            throw new IOException("could not store " + buffer.size() + " budget alerts", last);
        }

        private void insert() throws SQLException {
            if (connection == null) {
                connection = DriverManager.getConnection(jdbcUrl, user, password);
            }
            try (PreparedStatement statement = connection.prepareStatement(INSERT)) {
                for (BudgetAlert alert : buffer) {
                    int i = 1;
                    statement.setString(i++, alert.alertId());
                    statement.setString(i++, alert.dedupeKey());
                    statement.setString(i++, alert.severity().name());
                    statement.setString(i++, alert.rule().name());
                    statement.setString(i++, alert.activityId());
                    statement.setString(i++, alert.stage().name());
                    statement.setString(i++, alert.templateId());
                    statement.setLong(i++, alert.observedValue());
                    statement.setLong(i++, alert.expectedValue());
                    statement.setString(i++, alert.valueUnit());
                    statement.setTimestamp(i++, Timestamp.from(alert.windowStart()));
                    statement.setTimestamp(i++, Timestamp.from(alert.windowEnd()));
                    statement.setTimestamp(i++, alert.projectedExhaustionAt() == null ? null
                            : Timestamp.from(alert.projectedExhaustionAt()));
                    statement.setString(i++, alert.runbookUrl());
                    statement.setString(i++, truncate(alert.summary(), 1024));
                    statement.setTimestamp(i++, Timestamp.from(alert.firedAt()));
                    statement.setString(i++, alert.parentActivityId());
                    statement.addBatch();
                }
                statement.executeBatch();
            }
        }

        private void closeQuietly() {
            if (connection != null) {
                try {
                    connection.close();
                } catch (SQLException ignored) {
                    // Reopened on the next attempt.
                }
                connection = null;
            }
        }

        @Override
        public void close() {
            closeQuietly();
        }
    }

    private static String truncate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 3) + "...";
    }

    private static void sleep(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
