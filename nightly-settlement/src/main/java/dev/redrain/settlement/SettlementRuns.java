package dev.redrain.settlement;

import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.LocalDate;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;

/** settlement_run and settlement_report_file: the index of runs and their files. */
final class SettlementRuns {
    private final JdbcTemplate jdbc;
    private final Clock clock;

    SettlementRuns(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    long completedRuns(LocalDate date) {
        return jdbc.queryForObject("SELECT COUNT(*) FROM settlement_run WHERE business_date = ?"
                + " AND status = 'COMPLETED'", Long.class, date);
    }

    long start(LocalDate date, boolean forced) {
        GeneratedKeyHolder key = new GeneratedKeyHolder();
        jdbc.update(connection -> {
            var statement = connection.prepareStatement("INSERT INTO settlement_run"
                    + " (business_date, status, forced, started_at) VALUES (?, 'STARTED', ?, ?)",
                    new String[] {"run_id"});
            statement.setObject(1, date);
            statement.setBoolean(2, forced);
            statement.setTimestamp(3, Timestamp.from(clock.instant()));
            return statement;
        }, key);
        return key.getKey().longValue();
    }

    void finish(long runId, String status, Long jobExecutionId, String summary) {
        jdbc.update("UPDATE settlement_run SET status = ?, batch_job_execution_id = ?,"
                + " finished_at = ?, summary = ? WHERE run_id = ?", status, jobExecutionId,
                Timestamp.from(clock.instant()), summary, runId);
    }

    /** The run currently writing reports for a date (the latest STARTED one). */
    Long currentRun(LocalDate date) {
        List<Long> runs = jdbc.queryForList("SELECT run_id FROM settlement_run WHERE"
                + " business_date = ? AND status = 'STARTED' ORDER BY run_id DESC LIMIT 1",
                Long.class, date);
        return runs.isEmpty() ? null : runs.get(0);
    }

    void recordFile(long runId, Path file, String sha256, long size) {
        jdbc.update("INSERT INTO settlement_report_file (run_id, file_name, file_path,"
                + " sha256_hex, size_bytes) VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
                + " file_path = VALUES(file_path), sha256_hex = VALUES(sha256_hex),"
                + " size_bytes = VALUES(size_bytes)", runId, file.getFileName().toString(),
                file.toAbsolutePath().toString(), sha256, size);
    }
}
