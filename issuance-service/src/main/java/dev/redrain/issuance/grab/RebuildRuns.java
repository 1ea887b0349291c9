package dev.redrain.issuance.grab;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The rebuilds of a namespace and their progress: the owner of table {@code budget_rebuild}.
 * A row is RUNNING while its instance writes its heartbeat; DONE, FAILED or ABANDONED after.
 */
@Component
public class RebuildRuns {
    public enum Kind { FULL, LOST_SHARDS }

    public enum Status { RUNNING, DONE, FAILED, ABANDONED }

    /** Where a run is: the phases in the order they run. */
    public enum Phase { STARTING, SETTLING, READING, RESTORING_BUDGETS, RESTORING_ANSWERS, FINISHED }

    /** One rebuild as on-call sees it; the result fields are null until it is DONE. */
    public record Run(long rebuildId, Kind kind, Status status, Phase phase, long recordsRead,
            Long recordsTotal, long answersRestored, Long answersTotal, String instance,
            String reason, Instant startedAt, Instant heartbeatAt, Instant finishedAt,
            Integer events, Integer templates, Long grantedMinor, Integer pendingTokens,
            Integer unprovenEvents, Long readMs, Long restoreMs, String error) {
    }

    private static final String COLUMNS = "rebuild_id, kind, status, phase, records_read,"
            + " records_total, answers_restored, answers_total, instance, reason, started_at,"
            + " heartbeat_at, finished_at, events, templates, granted_minor, pending_tokens,"
            + " unproven_events, read_ms, restore_ms, error";

    private final JdbcTemplate jdbc;

    RebuildRuns(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    long insert(String namespace, Kind kind, String instance, String reason) {
        jdbc.update("INSERT INTO budget_rebuild (redis_namespace, kind, status, phase, instance,"
                + " reason) VALUES (?, ?, 'RUNNING', 'STARTING', ?, ?)", namespace, kind.name(),
                instance, reason);
        return jdbc.queryForObject("SELECT LAST_INSERT_ID()", Long.class);
    }

    /** The running rebuild of the namespace whose heartbeat is fresh, if any. */
    Optional<Run> running(String namespace) {
        return first(jdbc.query("SELECT " + COLUMNS + " FROM budget_rebuild WHERE"
                + " redis_namespace = ? AND status = 'RUNNING' ORDER BY rebuild_id DESC LIMIT 1",
                RebuildRuns::run, namespace));
    }

    /**
     * Marks ABANDONED the running rebuilds whose heartbeat is older than {@code stale}: their
     * instance died (the MySQL lock it held went with its connection). Returns how many.
     */
    int abandonStale(String namespace, Duration stale) {
        return jdbc.update("UPDATE budget_rebuild SET status = 'ABANDONED', finished_at ="
                + " CURRENT_TIMESTAMP(3), error = 'its instance stopped reporting progress'"
                + " WHERE redis_namespace = ? AND status = 'RUNNING' AND heartbeat_at <"
                + " CURRENT_TIMESTAMP(3) - INTERVAL ? MICROSECOND", namespace,
                stale.toNanos() / 1_000);
    }

    /** The heartbeat with the progress so far. */
    void progress(long rebuildId, Phase phase, long recordsRead, Long recordsTotal,
            long answersRestored, Long answersTotal) {
        jdbc.update("UPDATE budget_rebuild SET phase = ?, records_read = ?, records_total = ?,"
                + " answers_restored = ?, answers_total = ?, heartbeat_at = CURRENT_TIMESTAMP(3)"
                + " WHERE rebuild_id = ? AND status = 'RUNNING'", phase.name(), recordsRead,
                recordsTotal, answersRestored, answersTotal, rebuildId);
    }

    /** DONE, with what it restored; {@code result} null when it found budgets live. */
    void finish(long rebuildId, RedisRebuilder.Result result) {
        if (result == null) {
            jdbc.update("UPDATE budget_rebuild SET status = 'DONE', phase = 'FINISHED',"
                    + " finished_at = CURRENT_TIMESTAMP(3) WHERE rebuild_id = ?", rebuildId);
            return;
        }
        jdbc.update("UPDATE budget_rebuild SET status = 'DONE', phase = 'FINISHED', events = ?,"
                + " templates = ?, granted_minor = ?, pending_tokens = ?, unproven_events = ?,"
                + " read_ms = ?, restore_ms = ?, finished_at = CURRENT_TIMESTAMP(3) WHERE"
                + " rebuild_id = ?", result.events(), result.templates(), result.grantedMinor(),
                result.pendingTokens(), result.unprovenEvents(), result.readMs(),
                result.restoreMs(), rebuildId);
    }

    void fail(long rebuildId, String error) {
        jdbc.update("UPDATE budget_rebuild SET status = 'FAILED', error = ?, finished_at ="
                + " CURRENT_TIMESTAMP(3) WHERE rebuild_id = ?", error.length() > 1_024
                        ? error.substring(0, 1_024) : error, rebuildId);
    }

    Optional<Run> get(String namespace, long rebuildId) {
        return first(jdbc.query("SELECT " + COLUMNS + " FROM budget_rebuild WHERE"
                + " redis_namespace = ? AND rebuild_id = ?", RebuildRuns::run, namespace,
                rebuildId));
    }

    Optional<Run> latest(String namespace) {
        return first(jdbc.query("SELECT " + COLUMNS + " FROM budget_rebuild WHERE"
                + " redis_namespace = ? ORDER BY rebuild_id DESC LIMIT 1", RebuildRuns::run,
                namespace));
    }

    private static <T> Optional<T> first(List<T> rows) {
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    private static Run run(ResultSet row, int n) throws SQLException {
        return new Run(row.getLong(1), Kind.valueOf(row.getString(2)),
                Status.valueOf(row.getString(3)), Phase.valueOf(row.getString(4)),
                row.getLong(5), nullableLong(row, 6), row.getLong(7), nullableLong(row, 8),
                row.getString(9), row.getString(10), instant(row.getTimestamp(11)),
                instant(row.getTimestamp(12)), instant(row.getTimestamp(13)),
                nullableInt(row, 14), nullableInt(row, 15), nullableLong(row, 16),
                nullableInt(row, 17), nullableInt(row, 18), nullableLong(row, 19),
                nullableLong(row, 20), row.getString(21));
    }

    private static Long nullableLong(ResultSet row, int column) throws SQLException {
        long value = row.getLong(column);
        return row.wasNull() ? null : value;
    }

    private static Integer nullableInt(ResultSet row, int column) throws SQLException {
        int value = row.getInt(column);
        return row.wasNull() ? null : value;
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
