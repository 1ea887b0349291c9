package dev.redrain.settlement;

import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * recon_break: one row per (outTradeNo, category). A break found again is the same row with a
 * later last_seen_date (its age grows from first_seen_date); a break not seen by a night's run
 * is closed with that night as its cleared date.
 */
final class BreakStore {
    static final String UPSERT = "INSERT INTO recon_break (out_trade_no, act_id, category, legs,"
            + " activity_id, stage, award_type, issued_at, redis_status, currency,"
            + " redis_amount_minor, ledger_amount_minor, payment_amount_minor, amount_minor,"
            + " first_seen_date, last_seen_date, status, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
            + " ?, ?, ?, ?, ?, ?, ?, ?, 'OPEN', ?)"
            + " ON DUPLICATE KEY UPDATE legs = VALUES(legs), act_id = VALUES(act_id),"
            + " redis_status = VALUES(redis_status),"
            + " redis_amount_minor = VALUES(redis_amount_minor),"
            + " ledger_amount_minor = VALUES(ledger_amount_minor),"
            + " payment_amount_minor = VALUES(payment_amount_minor),"
            + " amount_minor = VALUES(amount_minor),"
            + " last_seen_date = GREATEST(last_seen_date, VALUES(last_seen_date)),"
            + " cleared_date = NULL,"
            + " status = IF(status = 'CLEARED', 'OPEN', status),"
            + " updated_at = CURRENT_TIMESTAMP(3)";

    private final JdbcTemplate jdbc;

    BreakStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    void upsert(List<Break> breaks, LocalDate seenOn) {
        jdbc.batchUpdate(UPSERT, breaks.stream().map(b -> {
            Legs legs = b.of();
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
                seenOn, seenOn, b.category().owner()};
        }).toList());
    }

    /** Closes every open break the night's run did not see again. */
    int clearUnseen(LocalDate night) {
        return jdbc.update("UPDATE recon_break SET status = 'CLEARED', cleared_date = ?,"
                + " updated_at = CURRENT_TIMESTAMP(3) WHERE status IN ('OPEN', 'UNPROVEN')"
                + " AND last_seen_date < ?", night, night);
    }
}
