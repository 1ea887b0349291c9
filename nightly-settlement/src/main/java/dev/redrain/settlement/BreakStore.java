package dev.redrain.settlement;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * recon_break: one row per (outTradeNo, category). A break found again is the same row with a
 * later last_seen_date (its age grows from first_seen_date); a break not seen by a night's run
 * is closed with that night as its cleared date. A category with a grace period ({@link Timing})
 * writes a new row as EXPECTED until its expected_until; the first night whose cut-off reaches
 * that makes it OPEN. A timing item keeps the grace of the night it was first seen; one that
 * came back after it cleared is a break at once. A break finance resolved (the workflow's
 * finance_resolution view) is RESOLVED while it is seen with the amount they resolved, OPEN again if that
 * changes, and CLEARED like any other when its counterpart arrives.
 */
final class BreakStore {
    static final String UPSERT = "INSERT INTO recon_break (out_trade_no, act_id, category, legs,"
            + " activity_id, stage, award_type, issued_at, redis_status, currency,"
            + " redis_amount_minor, ledger_amount_minor, payment_amount_minor, amount_minor,"
            + " first_seen_date, last_seen_date, status, owner, expected_until, last_seen_run)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            // status first: MariaDB assigns left to right, and a resolution holds only for
            // the amount finance resolved (compared before amount_minor takes the new one).
            + " ON DUPLICATE KEY UPDATE status = CASE WHEN status = 'EXPECTED' THEN"
            + "   IF(expected_until > ?, 'EXPECTED', 'OPEN')"
            + "   WHEN status = 'CLEARED' THEN 'OPEN'"
            + "   WHEN status = 'RESOLVED' AND amount_minor <> VALUES(amount_minor) THEN 'OPEN'"
            + "   ELSE status END,"
            + " legs = VALUES(legs), act_id = VALUES(act_id),"
            + " redis_status = VALUES(redis_status),"
            + " redis_amount_minor = VALUES(redis_amount_minor),"
            + " ledger_amount_minor = VALUES(ledger_amount_minor),"
            + " payment_amount_minor = VALUES(payment_amount_minor),"
            + " amount_minor = VALUES(amount_minor),"
            + " last_seen_date = GREATEST(last_seen_date, VALUES(last_seen_date)),"
            + " cleared_date = NULL, last_seen_run = VALUES(last_seen_run),"
            + " updated_at = CURRENT_TIMESTAMP(3)";

    private final JdbcTemplate jdbc;
    private final Timing timing;

    BreakStore(JdbcTemplate jdbc, Timing timing) {
        this.jdbc = jdbc;
        this.timing = timing;
    }

    void upsert(List<Break> breaks, LocalDate seenOn, long run) {
        Timestamp cutOff = Timestamp.from(timing.cutOff(seenOn));
        jdbc.batchUpdate(UPSERT, breaks.stream().map(b -> {
            Legs legs = b.of();
            Instant expectedUntil = timing.expectedUntil(b.category(), seenOn);
            Legs.Redis redis = legs.redis();
            return new Object[] {legs.outTradeNo(), legs.actId(), b.category().name(), b.legs(),
                legs.activityId(), legs.stage(), legs.awardType(),
                redis == null || redis.issuedAt() == null ? null
                        : Timestamp.from(redis.issuedAt()),
                redis == null ? null : redis.status(), legs.currency(),
                redis == null ? null : redis.amountMinor(),
                legs.ledger() == null || legs.ledger().refused() ? null
                        : legs.ledger().amountMinor(),
                legs.payment() == null ? null : legs.payment().sumMinor(), b.amountMinor(),
                seenOn, seenOn, expectedUntil == null ? "OPEN" : "EXPECTED",
                b.category().owner(), expectedUntil == null ? null
                        : Timestamp.from(expectedUntil), run, cutOff};
        }).toList());
    }

    /** Closes every open break (and timing item) the night's run did not see again. */
    int clearUnseen(LocalDate night) {
        return jdbc.update("UPDATE recon_break SET status = 'CLEARED', cleared_date = ?,"
                + " updated_at = CURRENT_TIMESTAMP(3) WHERE status IN ('OPEN', 'UNPROVEN',"
                + " 'EXPECTED', 'RESOLVED')"
                + " AND last_seen_date < ?", night, night);
    }

    /**
     * Marks RESOLVED the breaks finance resolved for their current amount (the workflow publishes
     * them as the finance_resolution view): they leave the open counts and aging, and stay in the
     * bridge as resolved.
     */
    int applyResolutions() {
        return jdbc.update("UPDATE recon_break b JOIN finance_resolution c"
                + " ON c.break_id = b.break_id"
                + " SET b.status = 'RESOLVED', b.updated_at = CURRENT_TIMESTAMP(3)"
                + " WHERE b.status IN ('OPEN', 'UNPROVEN')"
                + " AND b.amount_minor = c.resolved_amount_minor");
    }
}
