package dev.redrain.settlement;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import javax.sql.DataSource;
import org.springframework.batch.infrastructure.item.database.JdbcCursorItemReader;
import org.springframework.batch.infrastructure.item.database.builder.JdbcCursorItemReaderBuilder;
import org.springframework.jdbc.core.RowMapper;

/** The breaks the recheck and the repair take up, read from {@code recon_break}. */
final class BreakCandidates {
    private static final String COLUMNS = "SELECT break_id, out_trade_no, act_id, category,"
            + " redis_status, redis_amount_minor, currency, activity_id, stage, award_type,"
            + " issued_at FROM recon_break";

    private static final RowMapper<Repairer.Candidate> CANDIDATE = (rs, row) ->
            new Repairer.Candidate(rs.getLong("break_id"), rs.getString("out_trade_no"),
                    rs.getString("act_id"), Break.Category.valueOf(rs.getString("category")),
                    rs.getString("redis_status"), rs.getObject("redis_amount_minor",
                            Long.class), rs.getString("currency"), rs.getString("activity_id"),
                    rs.getString("stage"), rs.getString("award_type"));

    private BreakCandidates() {
    }

    /** Token breaks of earlier nights not cleared or repaired: rechecked every night. */
    static JdbcCursorItemReader<Repairer.Candidate> olderOpen(DataSource dataSource,
            LocalDate date) {
        return new JdbcCursorItemReaderBuilder<Repairer.Candidate>().name("olderOpenBreaks")
                .dataSource(dataSource).sql(COLUMNS + " WHERE status IN ('OPEN', 'UNPROVEN', 'EXPECTED', 'RESOLVED')"
                        + " AND out_trade_no NOT LIKE ? AND first_seen_date < ? AND out_trade_no"
                        + " REGEXP " + PayoutsQuery.TOKEN_NUMBER + " ORDER BY break_id")
                .queryArguments(date.toString().replace("-", "") + "%", date)
                .rowMapper(CANDIDATE).build();
    }

    /**
     * Tonight's open breaks a repair may clear: status mismatches, and tokens issued but not
     * credited whose grant is older than the repair's grace (the stream may still book them).
     */
    static JdbcCursorItemReader<Repairer.Candidate> repairable(DataSource dataSource,
            LocalDate date, Instant issuedBefore) {
        return new JdbcCursorItemReaderBuilder<Repairer.Candidate>().name("repairCandidates")
                .dataSource(dataSource).sql(COLUMNS + " WHERE status = 'OPEN'"
                        + " AND last_seen_date = ? AND (category = 'STATUS_MISMATCH'"
                        + " OR (category = 'ISSUED_NOT_CREDITED' AND issued_at < ?))"
                        + " ORDER BY break_id")
                .queryArguments(date, Timestamp.from(issuedBefore)).rowMapper(CANDIDATE)
                .build();
    }
}
