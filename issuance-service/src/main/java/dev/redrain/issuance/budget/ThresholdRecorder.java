package dev.redrain.issuance.budget;

import dev.redrain.core.catalog.Template;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.core.money.Money;
import dev.redrain.issuance.activity.CatalogRefresher;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Records when a template's consumption crosses each of its alert thresholds (e.g. 50/80/95/100
 * percent of the budget), once per threshold across all instances and restarts: the crossing
 * is added to a Redis set ({@link RedisKeys#thresholdsCrossed}) that the budget monitor and
 * operators read, and the instance that adds it logs it and counts it
 * ({@code redrain.budget.thresholds.crossed{template, pct}}). Checked every couple of seconds
 * from the shard counters, off the grab path.
 */
@Component
public class ThresholdRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(ThresholdRecorder.class);

    private final CatalogRefresher catalog;
    private final BudgetStore budgets;
    private final BudgetGuard guard;
    private final StatefulRedisConnection<String, String> redis;
    private final RedisKeys keys;
    private final MeterRegistry meters;

    ThresholdRecorder(CatalogRefresher catalog, BudgetStore budgets, BudgetGuard guard,
            StatefulRedisConnection<String, String> redis, RedisKeys keys,
            MeterRegistry meters) {
        this.catalog = catalog;
        this.budgets = budgets;
        this.guard = guard;
        this.redis = redis;
        this.keys = keys;
        this.meters = meters;
    }

    @Scheduled(fixedDelayString = "${redrain.threshold-check-interval:2s}")
    void scheduledCheck() {
        if (guard.state() != BudgetGuard.State.LIVE) {
            return;
        }
        for (Template template : catalog.current().templates().values()) {
            try {
                check(template);
            } catch (RuntimeException e) {
                LOG.debug("threshold check of {} skipped: {}", template.templateId(),
                        e.toString());
            }
        }
    }

    /** Records every threshold the template's consumption has reached and that is new. */
    void check(Template template) {
        long budget = template.budgetMinor();
        long remaining = budgets.remaining(template);
        if (budget <= 0 || remaining < 0) {
            return;
        }
        long consumed = budget - remaining;
        for (int pct : template.alertThresholdsPct()) {
            if (Math.multiplyExact(consumed, 100L) < Math.multiplyExact(budget, (long) pct)) {
                break;
            }
            Long added = redis.sync().sadd(keys.thresholdsCrossed(template.templateId()),
                    Integer.toString(pct));
            if (added != null && added == 1) {
                meters.counter("redrain.budget.thresholds.crossed", "template",
                        template.templateId(), "pct", Integer.toString(pct)).increment();
                LOG.warn("template {} crossed {}% of its budget: {} of {} granted",
                        template.templateId(), pct, Money.of(consumed, template.currency())
                                .display(), Money.of(budget, template.currency()).display());
            }
        }
    }
}
