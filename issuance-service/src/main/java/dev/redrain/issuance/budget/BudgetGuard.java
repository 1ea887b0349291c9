package dev.redrain.issuance.budget;

import dev.redrain.core.catalog.Template;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.issuance.activity.CatalogRefresher;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import jakarta.annotation.PostConstruct;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
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
 *
 * <p>A loss can also be partial: some shards gone while the epoch survived (a failover to a
 * lagging replica, an eviction, a key deleted by hand). A shard is loaded at its full share
 * only by the call that records its first load in MySQL ({@link ShardLoads}); a shard that was
 * loaded before and is missing now makes its template DEGRADED: its grabs are refused (503)
 * while other templates serve, until the rebuild restores the shard from the durable record.
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
    private final BudgetRaises raises;
    private final ShardLoads shardLoads;
    private volatile State state = State.LIVE;
    /** Template versions this instance has seen loaded, so a check is cheap. */
    private final Set<String> loaded = ConcurrentHashMap.newKeySet();
    /** Templates with a shard lost while the epoch survived: they grant nothing until rebuilt. */
    private final Set<String> degraded = ConcurrentHashMap.newKeySet();

    BudgetGuard(JdbcTemplate jdbc, StatefulRedisConnection<String, String> redis, RedisKeys keys,
            BudgetStore budgets, CatalogRefresher catalog, BudgetRaises raises,
            ShardLoads shardLoads) {
        this.jdbc = jdbc;
        this.redis = redis;
        this.keys = keys;
        this.budgets = budgets;
        this.catalog = catalog;
        this.raises = raises;
        this.shardLoads = shardLoads;
    }

    /** The first check, before the service takes a grab (the web server starts after it). */
    @PostConstruct
    void firstCheck() {
        check();
    }

    public State state() {
        return state;
    }

    /** Whether the template lost a shard while the epoch survived (it grants nothing). */
    public boolean degraded(String templateId) {
        return !degraded.isEmpty() && degraded.contains(templateId);
    }

    public Set<String> degradedTemplates() {
        return Set.copyOf(degraded);
    }

    /** A rebuild restored these lost shards of the template: it may serve again. */
    public void restored(Template template, Collection<Integer> shards) {
        shardLoads.markRestored(template, shards);
    }

    /** A rebuild of the whole store loaded every shard again. */
    public void allRestored() {
        shardLoads.markAllRestored();
    }

    /** A grab found a shard of the template missing: look at that template again now. */
    public State shardMissing(String templateId) {
        loaded.removeIf(version -> version.startsWith(templateId + "@"));
        return check();
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
            degraded.clear(); // the whole store is rebuilt; nothing is served meanwhile
        }
        if (next != state) {
            LOG.warn("budget state {} -> {} (MySQL epoch {}, Redis epoch {})", state, next,
                    durable, cached);
            if (next == State.LIVE) {
                budgets.forgetExhausted(null); // rebuilt: what is left sits in other shards
            }
        }
        state = next;
        if (next == State.LIVE) {
            refreshDegraded();
            loadActiveTemplates();
            raises.applyPending();
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
                if (loadFirstShards(template)) {
                    loaded.add(version);
                }
            } catch (IllegalStateException e) {
                LOG.error("template {} cannot be loaded: {}", template.templateId(),
                        e.getMessage());
            }
        }
    }

    /**
     * Loads the template's shards that were never loaded, and tells whether all its shards are
     * in Redis now. A shard loaded before and missing now is marked LOST: its template is
     * DEGRADED on every instance (they read the LOST set at each check).
     */
    private boolean loadFirstShards(Template template) {
        List<Integer> missing = new ArrayList<>(budgets.missingShards(template));
        if (!missing.isEmpty()) {
            List<Integer> first = shardLoads.claimFirstLoads(template, missing);
            if (!first.isEmpty()) {
                budgets.loadFirst(template, first);
                shardLoads.markLoaded(template, first);
            }
            missing.removeAll(first);
        }
        if (missing.isEmpty()) {
            shardLoads.recordPresent(template);
            return !degraded.contains(template.templateId());
        }
        List<Integer> lost = shardLoads.markLost(template, missing);
        if (!lost.isEmpty() && degraded.add(template.templateId())) {
            LOG.error("template {} lost budget shards {} while the budget epoch survived:"
                    + " DEGRADED, its grabs are refused until POST /admin/budgets/rebuild"
                    + " restores them (runbooks/budget-rebuild.md)", template.templateId(), lost);
        }
        return false;
    }

    /** The LOST set as MySQL has it, so every instance refuses the same templates. */
    private void refreshDegraded() {
        Set<String> lost = shardLoads.lostTemplates();
        for (String templateId : degraded) {
            if (!lost.contains(templateId)) {
                degraded.remove(templateId);
                budgets.forgetExhausted(templateId);
                loaded.removeIf(version -> version.startsWith(templateId + "@"));
                LOG.warn("template {} has its budget shards back and serves", templateId);
            }
        }
        degraded.addAll(lost);
    }

    /**
     * After a rebuild restored every budget: Redis gets MySQL's epoch back, so the next check
     * finds Redis alive again, and MySQL notes when the rebuild finished.
     */
    public void epochRebuilt() {
        redis.sync().set(keys.budgetEpoch(), durableEpoch());
        jdbc.update("UPDATE budget_epoch SET rebuilt_at = CURRENT_TIMESTAMP(3) WHERE"
                + " redis_namespace = ?", keys.namespace());
    }

    private String durableEpoch() {
        List<String> rows = jdbc.queryForList("SELECT epoch_id FROM budget_epoch WHERE"
                + " redis_namespace = ?", String.class, keys.namespace());
        return rows.isEmpty() ? null : rows.get(0);
    }
}
