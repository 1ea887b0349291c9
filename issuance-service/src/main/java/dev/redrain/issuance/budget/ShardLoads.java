package dev.redrain.issuance.budget;

import dev.redrain.core.catalog.Template;
import dev.redrain.core.keys.RedisKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The durable record of which budget shards were ever loaded into Redis ({@code
 * budget_shard_load}). It tells a first load from a loss: only the call that records a
 * shard's first load may load it at its full share; a shard recorded as loaded that Redis no
 * longer has is LOST, and its template grants nothing on any instance until it is restored.
 */
@Component
class ShardLoads {
    /** A first load that has not finished by then is taken for lost (its loader died). */
    static final Duration PENDING_MAX = Duration.ofSeconds(30);

    private final JdbcTemplate jdbc;
    private final RedisKeys keys;

    ShardLoads(JdbcTemplate jdbc, RedisKeys keys) {
        this.jdbc = jdbc;
        this.keys = keys;
    }

    /**
     * Records the first load of each of {@code shards} not recorded before (PENDING); returns
     * those this call recorded: only they may be loaded at their full shares.
     */
    List<Integer> claimFirstLoads(Template template, Collection<Integer> shards) {
        List<Integer> first = new ArrayList<>();
        for (int shard : shards) {
            if (jdbc.update("INSERT IGNORE INTO budget_shard_load (redis_namespace, template_id,"
                    + " shard, state) VALUES (?, ?, ?, 'PENDING')", keys.namespace(),
                    template.templateId(), shard) == 1) {
                first.add(shard);
            }
        }
        return first;
    }

    /** The first loads of {@code shards} are in Redis now. */
    void markLoaded(Template template, Collection<Integer> shards) {
        for (int shard : shards) {
            jdbc.update("UPDATE budget_shard_load SET state = 'LOADED' WHERE redis_namespace = ?"
                    + " AND template_id = ? AND shard = ? AND state = 'PENDING'",
                    keys.namespace(), template.templateId(), shard);
        }
    }

    /**
     * Of {@code missing} shards (not in Redis, not first loads), those lost: recorded as
     * loaded, or pending longer than {@link #PENDING_MAX}. They are marked LOST.
     */
    List<Integer> markLost(Template template, Collection<Integer> missing) {
        List<Integer> lost = new ArrayList<>();
        for (int shard : missing) {
            int changed = jdbc.update("UPDATE budget_shard_load SET state = 'LOST', lost_at ="
                    + " CURRENT_TIMESTAMP(3) WHERE redis_namespace = ? AND template_id = ? AND"
                    + " shard = ? AND (state = 'LOADED' OR (state = 'PENDING' AND created_at <"
                    + " CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND))", keys.namespace(),
                    template.templateId(), shard, PENDING_MAX.toSeconds());
            if (changed == 1 || isLost(template, shard)) {
                lost.add(shard);
            }
        }
        return lost;
    }

    private boolean isLost(Template template, int shard) {
        return !jdbc.queryForList("SELECT 1 FROM budget_shard_load WHERE redis_namespace = ? AND"
                + " template_id = ? AND shard = ? AND state = 'LOST'", Integer.class,
                keys.namespace(), template.templateId(), shard).isEmpty();
    }

    /**
     * Records every shard of a template found in Redis (shards loaded before this record
     * existed, or whose first load finished), so that losing one later is recognised.
     */
    void recordPresent(Template template) {
        List<Object[]> rows = new ArrayList<>();
        for (int shard = 0; shard < template.budgetShards(); shard++) {
            rows.add(new Object[] {keys.namespace(), template.templateId(), shard});
        }
        jdbc.batchUpdate("INSERT INTO budget_shard_load (redis_namespace, template_id, shard,"
                + " state) VALUES (?, ?, ?, 'LOADED') ON DUPLICATE KEY UPDATE state ="
                + " IF(state = 'PENDING', 'LOADED', state)", rows);
    }

    /** Templates with a LOST shard: they grant nothing until the rebuild restores them. */
    Set<String> lostTemplates() {
        return new HashSet<>(jdbc.queryForList("SELECT DISTINCT template_id FROM"
                + " budget_shard_load WHERE redis_namespace = ? AND state = 'LOST'",
                String.class, keys.namespace()));
    }

    /** The shards a rebuild restored are loaded again. */
    void markRestored(Template template, Collection<Integer> shards) {
        for (int shard : shards) {
            jdbc.update("UPDATE budget_shard_load SET state = 'LOADED', restored_at ="
                    + " CURRENT_TIMESTAMP(3) WHERE redis_namespace = ? AND template_id = ? AND"
                    + " shard = ?", keys.namespace(), template.templateId(), shard);
        }
    }

    /** After a rebuild of the whole store every shard is loaded again. */
    void markAllRestored() {
        jdbc.update("UPDATE budget_shard_load SET state = 'LOADED', restored_at ="
                + " CURRENT_TIMESTAMP(3) WHERE redis_namespace = ? AND state <> 'LOADED'",
                keys.namespace());
    }
}
