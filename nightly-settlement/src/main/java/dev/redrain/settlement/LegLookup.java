package dev.redrain.settlement;

import dev.redrain.core.keys.RedisKeys;
import dev.redrain.core.keys.TokenHash;
import dev.redrain.core.ledger.LedgerReads;
import dev.redrain.core.ledger.LedgerReads.TokenLeg;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The three legs of one outTradeNo read now, for breaks of earlier nights (rechecked every
 * night until they clear) and for the repair's re-read under the lock of its transaction.
 */
final class LegLookup {
    private final JdbcTemplate jdbc;
    private final StatefulRedisConnection<String, String> redis;
    private final RedisKeys keys;
    private final LedgerReads ledgerReads = new LedgerReads();

    LegLookup(JdbcTemplate jdbc, StatefulRedisConnection<String, String> redis, RedisKeys keys) {
        this.jdbc = jdbc;
        this.redis = redis;
        this.keys = keys;
    }

    /**
     * @param known the Redis leg last seen; it stands when Redis no longer holds the token (its
     *     hash expires days after the grab)
     */
    Legs legs(String outTradeNo, String actId, Legs.Redis known) {
        Legs.Redis redisLeg = known;
        if (actId != null) {
            Map<String, String> hash = redis.sync().hgetall(keys.token(actId, outTradeNo));
            if (hash != null && !hash.isEmpty()) {
                redisLeg = fromHash(hash);
            }
        }
        Legs.Ledger ledger = jdbc.execute((ConnectionCallback<Optional<TokenLeg>>)
                connection -> ledgerReads.tokenLeg(connection, outTradeNo)).map(leg ->
                        new Legs.Ledger(leg.amountMinor(), leg.currency(), leg.actId(),
                                leg.activityId(), leg.stage(), leg.awardType(),
                                leg.refused() ? Legs.REFUSED_OVER_BUDGET : null)).orElse(null);
        List<Legs.Payment> payment = jdbc.query("SELECT COUNT(*), COALESCE(SUM(amount_minor), 0),"
                + " COALESCE(MAX(amount_minor), 0), MIN(currency), COALESCE(SUM(fee_minor), 0)"
                + " FROM payment_record"
                + " WHERE out_trade_no = ? AND payment_kind = 'FUNDING'"
                + " AND channel_status = 'SUCCESS'", (rs, row) -> rs.getInt(1) == 0 ? null
                        : new Legs.Payment(rs.getInt(1), rs.getLong(2), rs.getLong(3),
                                rs.getString(4), rs.getLong(5), 0), outTradeNo);
        return new Legs(outTradeNo, redisLeg, ledger,
                payment.isEmpty() ? null : payment.get(0));
    }

    static Legs.Redis fromHash(Map<String, String> hash) {
        String issued = hash.get(TokenHash.ISSUED_AT_MS);
        return new Legs.Redis(hash.get(TokenHash.STATUS),
                Long.parseLong(hash.get(TokenHash.AMOUNT_MINOR)), hash.get(TokenHash.CURRENCY),
                hash.get(TokenHash.ACT_ID), hash.get(TokenHash.ACTIVITY_ID),
                hash.get(TokenHash.STAGE), hash.get(TokenHash.AWARD_TYPE),
                issued == null ? null : Instant.ofEpochMilli(Long.parseLong(issued)));
    }
}
