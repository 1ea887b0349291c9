package dev.redrain.issuance.budget;

import dev.redrain.core.keys.RedisKeys;
import dev.redrain.issuance.activity.CatalogRefresher;
import dev.redrain.issuance.activity.Template;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Decides whether budgets in Redis can be trusted, and loads new templates' budgets.
 *
 * <p>The first time a namespace's budgets are loaded, an epoch id is written to MySQL and to
 * Redis. While both agree, budgets are live and every active template's shards are loaded (a
 * shard that exists is never reset). If MySQL has an epoch and Redis does not, Redis lost its
 * data: budgets are NOT reloaded at their full amounts (that would grant them twice); grabs are
 * refused until an operator rebuilds them from durable records (runbooks/budget-rebuild.md).
 */
@Component
public class BudgetGuard {
    private static final Logger LOG = LoggerFactory.getLogger(BudgetGuard.class);

    /** Whether grabs may reserve budget. */
    public enum State { LIVE, REDIS_LOST, MISMATCH }

    private final JdbcTemplate jdbc;
    private final StatefulRedisConnection<String, String> redis;
    private final RedisKeys keys;
    private final BudgetStore budgets;
    private final CatalogRefresher catalog;
    private volatile State state = State.LIVE;
    /** Set after construction (the raises need the catalog this guard also uses). */
    private volatile BudgetRaises raises;

    @org.springframework.beans.factory.annotation.Autowired
    void setRaises(BudgetRaises raises) {
        this.raises = raises;
    }
    /** Template versions this instance has seen loaded, so a check is cheap. */
    private final java.util.Set<String> loaded = java.util.concurrent.ConcurrentHashMap.newKeySet();

    BudgetGuard(JdbcTemplate jdbc, StatefulRedisConnection<String, String> redis, RedisKeys keys,
            BudgetStore budgets, CatalogRefresher catalog) {
        this.jdbc = jdbc;
        this.redis = redis;
        this.keys = keys;
        this.budgets = budgets;
        this.catalog = catalog;
        check();
    }

    public State state() {
        return state;
    }

    @Scheduled(fixedDelayString = "${redrain.budget-check-interval:1s}")
    void scheduledCheck() {
        try {
            check();
        } catch (RuntimeException e) {
            LOG.warn("budget check failed, keeping state {}: {}", state, e.toString());
        }
    }

    /** Re-reads both epochs, then loads the shards of active templates that lack them. */
    public synchronized State check() {
        String durable = durableEpoch();
        String cached = redis.sync().get(keys.budgetEpoch());
        if (durable == null) {
            String fresh = UUID.randomUUID().toString();
            jdbc.update("INSERT IGNORE INTO budget_epoch (redis_namespace, epoch_id) VALUES (?, ?)",
                    keys.namespace(), fresh);
            durable = durableEpoch();
            redis.sync().set(keys.budgetEpoch(), durable, SetArgs.Builder.nx());
            cached = redis.sync().get(keys.budgetEpoch());
        }
        State next;
        if (cached == null) {
            next = State.REDIS_LOST;
        } else if (!cached.equals(durable)) {
            next = State.MISMATCH;
        } else {
            next = State.LIVE;
        }
        if (next != State.LIVE) {
            loaded.clear();
        }
        if (next != state) {
            LOG.warn("budget state {} -> {} (MySQL epoch {}, Redis epoch {})", state, next,
                    durable, cached);
        }
        state = next;
        if (next == State.LIVE) {
            loadActiveTemplates();
            if (raises != null) {
                raises.applyPending();
            }
        }
        return next;
    }

    private void loadActiveTemplates() {
        for (Template template : catalog.current().templates().values()) {
            String version = template.templateId() + "@" + template.version();
            if (!template.active() || loaded.contains(version)) {
                continue;
            }
            try {
                budgets.load(template);
                loaded.add(version);
            } catch (IllegalStateException e) {
                LOG.error("template {} cannot be loaded: {}", template.templateId(),
                        e.getMessage());
            }
        }
    }

    private String durableEpoch() {
        List<String> rows = jdbc.queryForList("SELECT epoch_id FROM budget_epoch WHERE"
                + " redis_namespace = ?", String.class, keys.namespace());
        return rows.isEmpty() ? null : rows.get(0);
    }
}
