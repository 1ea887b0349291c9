package dev.redrain.issuance.budget;

import dev.redrain.core.catalog.AmountRule;
import dev.redrain.core.catalog.Template;
import dev.redrain.issuance.activity.CatalogRefresher;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Applies recorded budget raises to the Redis shards. Each shard records the raise id in its
 * granted hash when it takes its part, so applying again (a retry, or the periodic check
 * after a crash in the middle) adds nothing twice. The raise is recorded in MySQL first: a
 * crash can only leave Redis short of the recorded budget, never above it.
 */
@Component
public class BudgetRaises {
    private static final Logger LOG = LoggerFactory.getLogger(BudgetRaises.class);

    /** KEYS: remaining, granted. ARGV: raise id, amount. 1 applied, 0 already, -1 missing. */
    private static final LuaScript RAISE = new LuaScript("""
            if not redis.call('GET', KEYS[1]) then return -1 end
            if redis.call('HSETNX', KEYS[2], 'raise:' .. ARGV[1], ARGV[2]) == 0 then
              return 0
            end
            redis.call('INCRBY', KEYS[1], ARGV[2])
            redis.call('HINCRBY', KEYS[2], 'share', ARGV[2])
            return 1
            """, ScriptOutputType.INTEGER);

    private final JdbcTemplate jdbc;
    private final StatefulRedisConnection<String, String> redis;
    private final BudgetStore budgets;
    private final CatalogRefresher catalog;

    BudgetRaises(JdbcTemplate jdbc, StatefulRedisConnection<String, String> redis,
            BudgetStore budgets, CatalogRefresher catalog) {
        this.jdbc = jdbc;
        this.redis = redis;
        this.budgets = budgets;
        this.catalog = catalog;
    }

    /** A raise as recorded: which template it raises and by how much. */
    public record Raise(String templateId, long addMinor) {
    }

    /** The raise recorded under {@code raiseId}, locked for the caller's transaction. */
    public Optional<Raise> lockRecorded(String raiseId) {
        return jdbc.query("SELECT template_id, add_minor FROM budget_raise WHERE raise_id = ?"
                + " FOR UPDATE", (row, index) -> new Raise(row.getString(1), row.getLong(2)),
                raiseId).stream().findFirst();
    }

    /**
     * Records a raise in the caller's transaction (with the template's new budget), to be
     * applied to the shards by {@link #applyPending} once it commits.
     */
    public void record(String raiseId, Raise raise, String actor, String reason) {
        jdbc.update("INSERT INTO budget_raise (raise_id, template_id, add_minor, actor, reason)"
                + " VALUES (?, ?, ?, ?, ?)", raiseId, raise.templateId(), raise.addMinor(),
                actor, reason);
    }

    /** Applies every raise not yet applied; returns how many it completed. */
    public synchronized int applyPending() {
        List<Map<String, Object>> pending = jdbc.queryForList("SELECT raise_id, template_id,"
                + " add_minor FROM budget_raise WHERE applied_at IS NULL ORDER BY created_at");
        int completed = 0;
        for (Map<String, Object> raise : pending) {
            String raiseId = (String) raise.get("raise_id");
            Template template = catalog.current().template((String) raise.get("template_id"))
                    .orElse(null);
            if (template == null || template.rule() == AmountRule.POOL) {
                continue;
            }
            long[] parts = BudgetShares.spread(template, ((Number) raise.get("add_minor"))
                    .longValue());
            boolean complete = true;
            for (int shard = 0; shard < parts.length; shard++) {
                if (parts[shard] == 0) {
                    continue;
                }
                Long applied = RAISE.run(redis.sync(), budgets.shardKeysOf(template, shard),
                        raiseId, Long.toString(parts[shard]));
                complete &= applied >= 0;
            }
            if (complete) {
                jdbc.update("UPDATE budget_raise SET applied_at = CURRENT_TIMESTAMP(3) WHERE"
                        + " raise_id = ?", raiseId);
                completed++;
                LOG.info("budget raise {} of template {} applied to Redis", raiseId,
                        template.templateId());
            }
        }
        return completed;
    }

    /** After a rebuild the shards already hold every recorded raise: mark them applied. */
    public void markAllApplied() {
        jdbc.update("UPDATE budget_raise SET applied_at = CURRENT_TIMESTAMP(3) WHERE applied_at"
                + " IS NULL");
    }
}
