package dev.redrain.settlement;

import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.core.keys.TokenHash;
import dev.redrain.core.ledger.CreditRequest;
import dev.redrain.core.ledger.CreditResult;
import dev.redrain.core.ledger.CreditSource;
import dev.redrain.core.ledger.LedgerReads;
import dev.redrain.core.ledger.LedgerWriter;
import dev.redrain.core.money.Money;
import dev.redrain.core.token.Grant;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Clock;
import java.time.LocalDate;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The safe repairs, each recorded once in recon_repair (its unique key is the guard: a rerun
 * or a restart finds the row and repeats nothing).
 *
 * <ul>
 *   <li>ISSUED_NOT_CREDITED: only when {@link GrantEvidence} proves the token hash is a grant
 *       the issuance service made (its proof verifies and its event is on the durable record),
 *       re-credit through the ledger's idempotent path (source REPAIR; a credit the stream
 *       made meanwhile comes back ALREADY_CREDITED and books nothing), then mark the Redis
 *       token CREDITED, as the credit job does. Otherwise the break becomes UNPROVEN, owned
 *       by finance, with the evidence found, and nothing is credited.</li>
 *   <li>STATUS_MISMATCH: the ledger has the journal; mark the Redis token CREDITED.</li>
 * </ul>
 * Both re-read the legs first and act only on what they find now.
 */
final class Repairer {
    private final JdbcTemplate jdbc;
    private final LedgerReads ledgerReads = new LedgerReads();
    private final LedgerWriter ledger;
    private final LegLookup lookup;
    private final StatefulRedisConnection<String, String> redis;
    private final RedisKeys keys;
    private final Clock clock;
    private final GrantEvidence evidence;

    Repairer(JdbcTemplate jdbc, LedgerWriter ledger, LegLookup lookup,
            StatefulRedisConnection<String, String> redis, RedisKeys keys, Clock clock,
            GrantEvidence evidence) {
        this.evidence = evidence;
        this.jdbc = jdbc;
        this.ledger = ledger;
        this.lookup = lookup;
        this.redis = redis;
        this.keys = keys;
        this.clock = clock;
    }

    /** An open break to repair, as read from recon_break. */
    record Candidate(long breakId, String outTradeNo, String actId, Break.Category category,
            String redisStatus, Long redisAmountMinor, String currency, String activityId,
            String stage, String awardType) {
    }

    void repair(Candidate candidate, LocalDate night) {
        Legs.Redis known = candidate.redisAmountMinor() == null ? null : new Legs.Redis(
                candidate.redisStatus(), candidate.redisAmountMinor(), candidate.currency(),
                candidate.actId(), candidate.activityId(), candidate.stage(),
                candidate.awardType(), null);
        Legs legs = lookup.legs(candidate.outTradeNo(), candidate.actId(), known);
        String action;
        String outcome;
        long amount;
        if (candidate.category() == Break.Category.ISSUED_NOT_CREDITED) {
            if (legs.redis() == null) {
                return; // nothing to credit from; stays open for finance
            }
            action = "RECREDIT";
            Grant grant = provenGrant(candidate, legs, night);
            if (grant == null) {
                return; // left UNPROVEN for finance
            }
            amount = grant.amountMinor();
            CreditResult result = ledger.credit(new CreditRequest(candidate.outTradeNo(),
                    grant.actId(), grant.activityId(), grant.stage(), grant.awardType(),
                    Money.of(amount, grant.currency()),
                    OutTradeNoGenerator.businessDate(candidate.outTradeNo()),
                    CreditSource.REPAIR));
            if (result.status() == CreditResult.Status.OVER_BUDGET) {
                // Proven, but the stage's budget is spent in the ledger: finance decides.
                String why = "OVER_BUDGET: the ledger refused it; the stage's budget is spent";
                record(candidate, night, "REFUSED", why, amount, legs.currency());
                jdbc.update("UPDATE recon_break SET owner = 'FINANCE', evidence = ?,"
                        + " updated_at = CURRENT_TIMESTAMP(3) WHERE break_id = ?", why,
                        candidate.breakId());
                return;
            }
            if (!result.isBooked()) {
                // The outTradeNo is booked with other content: a person must look at it.
                record(candidate, night, action, "CONFLICT: booked with other content", amount,
                        legs.currency());
                return;
            }
            outcome = result.status() + " journal " + result.journalId() + " by "
                    + result.bookedBy();
            markCredited(candidate, legs, result.journalId());
        } else {
            if (legs.ledger() == null || legs.ledger().refused()) {
                return; // the ledger no longer has it: not a status problem any more
            }
            action = "FIX_REDIS_STATUS";
            amount = legs.ledger().amountMinor();
            Long journalId = jdbc.execute((ConnectionCallback<Optional<Long>>) connection ->
                    ledgerReads.journalId(connection, candidate.outTradeNo())).orElseThrow();
            markCredited(candidate, legs, journalId);
            outcome = "Redis status CREDITED (journal " + journalId + ")";
        }
        record(candidate, night, action, outcome, amount, legs.currency());
        jdbc.update("UPDATE recon_break SET status = 'REPAIRED', updated_at ="
                + " CURRENT_TIMESTAMP(3) WHERE break_id = ?", candidate.breakId());
    }

    /**
     * The grant the token hash holds, read again now, when it is proven to be the issuance
     * service's; otherwise null, and the break is marked UNPROVEN with what was found.
     */
    private Grant provenGrant(Candidate candidate, Legs legs, LocalDate night) {
        String actId = legs.redis().actId();
        Map<String, String> hash = redis.sync().hgetall(keys.token(actId,
                candidate.outTradeNo()));
        GrantEvidence.Finding finding = evidence.check(hash);
        Grant grant = finding.proven() ? GrantEvidence.grant(hash) : null;
        String why = finding.evidence();
        if (grant != null && (!grant.outTradeNo().equals(candidate.outTradeNo())
                || !grant.actId().equals(actId))) {
            // A genuine grant's fields copied under another token's key.
            grant = null;
            why = "NOT_THIS_TOKEN: the hash holds the proven grant of " + GrantEvidence.grant(hash)
                    .outTradeNo() + " for another key";
        }
        if (grant == null) {
            String currency = legs.currency();
            record(candidate, night, "REFUSED", "UNPROVEN: " + why, legs.redis().amountMinor(),
                    currency);
            jdbc.update("UPDATE recon_break SET status = 'UNPROVEN', owner = 'FINANCE',"
                    + " evidence = ?, updated_at = CURRENT_TIMESTAMP(3) WHERE break_id = ?",
                    why.length() > 512 ? why.substring(0, 512) : why, candidate.breakId());
        }
        return grant;
    }

    private void record(Candidate candidate, LocalDate night, String action, String outcome,
            long amount, String currency) {
        jdbc.update("INSERT IGNORE INTO recon_repair (business_date, break_id, out_trade_no,"
                + " category, action, outcome, amount_minor, currency) VALUES (?, ?, ?, ?, ?, ?,"
                + " ?, ?)", night, candidate.breakId(), candidate.outTradeNo(),
                candidate.category().name(), action, outcome, amount, currency);
    }

    private void markCredited(Candidate candidate, Legs legs, long journalId) {
        String actId = legs.actId() != null ? legs.actId() : candidate.actId();
        if (actId == null) {
            return;
        }
        redis.sync().eval(TokenHash.MARK_CREDITED_SCRIPT, ScriptOutputType.INTEGER,
                new String[] {keys.token(actId, candidate.outTradeNo()), keys.pending(actId)},
                candidate.outTradeNo(), Long.toString(journalId),
                Long.toString(clock.millis()), CreditSource.REPAIR.name(),
                Long.toString(8 * 24 * 3600));
    }
}
