package dev.redrain.issuance.admin;

import dev.redrain.core.catalog.Activity;
import dev.redrain.core.catalog.AmountRule;
import dev.redrain.core.catalog.CatalogStore.Changeable;
import dev.redrain.core.catalog.CatalogStore;
import dev.redrain.core.catalog.Template;
import dev.redrain.core.catalog.UserCaps;
import dev.redrain.issuance.budget.BudgetGuard;
import dev.redrain.issuance.budget.BudgetRaises;
import dev.redrain.issuance.budget.BudgetShares;
import dev.redrain.issuance.budget.BudgetStore;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import dev.redrain.issuance.web.Validation;
import jakarta.servlet.http.HttpServletRequest;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Reward templates: created under a stage child, updated only where that is safe while a rain
 * runs (fallback, thresholds, monitor parameters, caps of a capped template), and budgets
 * raised idempotently. A template's award type, asset, amount rule and budget are fixed once
 * created, so no change can make a granted token disagree with its template or a budget shrink
 * below what was granted. The currency comes from the award type, never from the caller.
 */
@RestController
class TemplatesAdminController {
    private final CatalogChanges changes;
    private final BudgetGuard guard;
    private final BudgetRaises raises;
    private final BudgetStore budgets;

    TemplatesAdminController(CatalogChanges changes, BudgetGuard guard, BudgetRaises raises,
            BudgetStore budgets) {
        this.changes = changes;
        this.guard = guard;
        this.raises = raises;
        this.budgets = budgets;
    }

    record NewTemplate(String templateId, String stage, String awardType, String amountRule,
            Long fixedAmountMinor, Long minAmountMinor, Long maxAmountMinor,
            Integer poolPacketCount, Long budgetMinor, Integer budgetShards,
            List<Integer> alertThresholdsPct, String fallbackTemplateId,
            AdminSupport.UserCapsBody userCaps, String reason) {
    }

    record TemplateCreated(String templateId, String activityId, String currency) {
    }

    @PostMapping("/admin/activities/{parentId}/templates")
    TemplateCreated create(@PathVariable String parentId, @RequestBody NewTemplate body,
            HttpServletRequest request) {
        Validation.id("parentId", parentId);
        String templateId = Validation.id("templateId", body.templateId());
        String child = Activity.childId(parentId, AdminSupport.stage(body.stage()));
        String awardType = Validation.id("awardType", body.awardType());
        String reason = AdminSupport.reason(body.reason());
        String currency = changes.read((store, connection) -> store.assetOf(connection,
                awardType)).orElseThrow(() -> invalid("unknown award type " + awardType));
        if (!changes.read((store, connection) -> store.isChildOf(connection, child, parentId))) {
            throw ApiException.notFound(ErrorCode.UNKNOWN_ACTIVITY, "no " + body.stage()
                    + " child of " + parentId);
        }
        CatalogStore.NewTemplate row = row(body, templateId, child, awardType, currency);
        try {
            changes.apply((store, connection) -> {
                store.createTemplate(connection, row);
                changes.audit(request, "CREATE_TEMPLATE", templateId, null, row.budgetMinor()
                        + " " + currency + (row.userCaps().any() ? " " + row.userCaps() : ""),
                        reason);
                return null;
            });
        } catch (DuplicateKeyException e) {
            throw new ApiException(HttpStatus.CONFLICT, ErrorCode.INVALID_FIELD,
                    "template " + templateId + " exists");
        }
        guard.check();
        return new TemplateCreated(templateId, child, currency);
    }

    /** The new template's row, once every field is checked. */
    private CatalogStore.NewTemplate row(NewTemplate body, String templateId, String child,
            String awardType, String currency) {
        AmountRule rule = rule(body.amountRule());
        long budget = positive("budgetMinor", body.budgetMinor());
        int shards = body.budgetShards() == null ? 8 : body.budgetShards();
        if (shards < 1 || shards > 1024) {
            throw invalid("budgetShards is 1-1024");
        }
        List<Integer> thresholds = thresholds(body.alertThresholdsPct() == null
                ? List.of(50, 80, 95, 100) : body.alertThresholdsPct());
        String fallback = body.fallbackTemplateId() == null ? null
                : Validation.id("fallbackTemplateId", body.fallbackTemplateId());
        if (fallback != null && !changes.read((store, connection) -> store.link(connection,
                fallback)).filter(link -> link.activityId().equals(child)).isPresent()) {
            throw invalid("fallbackTemplateId must be a template of the same stage child");
        }
        UserCaps caps = body.userCaps() == null ? UserCaps.NONE : body.userCaps().caps();
        Amounts amounts = amounts(rule, budget, body);
        return new CatalogStore.NewTemplate(templateId, child, awardType, currency, rule,
                amounts.fixed(), amounts.min(), amounts.max(), amounts.packets(), budget, shards,
                thresholds, fallback, caps);
    }

    /** The amount columns a rule uses (the others NULL), checked against the budget. */
    private record Amounts(Long fixed, Long min, Long max, Integer packets) {
    }

    private static Amounts amounts(AmountRule rule, long budget, NewTemplate body) {
        return switch (rule) {
            case FIXED -> {
                long fixed = positive("fixedAmountMinor", body.fixedAmountMinor());
                if (budget % fixed != 0) {
                    throw invalid("budgetMinor must be a multiple of fixedAmountMinor");
                }
                yield new Amounts(fixed, null, null, null);
            }
            case UNIFORM -> {
                long min = positive("minAmountMinor", body.minAmountMinor());
                long max = positive("maxAmountMinor", body.maxAmountMinor());
                if (max < min) {
                    throw invalid("maxAmountMinor must be >= minAmountMinor");
                }
                yield new Amounts(null, min, max, null);
            }
            case POOL -> {
                Integer packets = body.poolPacketCount();
                if (packets == null || packets < 1 || packets > BudgetShares.POOL_PACKETS_MAX
                        || packets > budget) {
                    throw invalid("poolPacketCount is 1-" + BudgetShares.POOL_PACKETS_MAX
                            + " and at most budgetMinor");
                }
                yield new Amounts(null, null, null, packets);
            }
        };
    }

    /**
     * {@code fallbackTemplateId}: a template of the same stage child, or {@code ""} to remove
     * the fallback. The monitor parameters are those of {@code reward_template}.
     * {@code userCaps} replaces all four caps of a template created with caps (a cap left out
     * is removed); a template created without caps cannot gain them, because its grants so far
     * were never counted.
     */
    record TemplateUpdate(String fallbackTemplateId, List<Integer> alertThresholdsPct,
            Integer burnMarginMinutes, Integer unusedPctMax, Integer spikeFactorPct,
            Integer outcomeShareMaxPct, Long driftToleranceMinor, Integer driftGraceSeconds,
            AdminSupport.UserCapsBody userCaps, String reason) {
    }

    record Updated(String id, Map<String, String> changed) {
    }

    @PatchMapping("/admin/templates/{templateId}")
    Updated update(@PathVariable String templateId, @RequestBody TemplateUpdate body,
            HttpServletRequest request) {
        Validation.id("templateId", templateId);
        String reason = AdminSupport.reason(body.reason());
        Map<Changeable, Object> columns = changedColumns(body);
        String fallback = body.fallbackTemplateId();
        if (fallback != null && !fallback.isEmpty()) {
            Validation.id("fallbackTemplateId", fallback);
        }
        if (columns.isEmpty() && fallback == null) {
            throw invalid("nothing to change");
        }
        return changes.apply((store, connection) -> {
            String activityId = store.lockTemplate(connection, templateId).orElseThrow(() ->
                    ApiException.notFound(ErrorCode.UNKNOWN_TEMPLATE, "no template "
                            + templateId));
            if (body.userCaps() != null && !store.countsPerUser(connection, templateId)) {
                throw new ApiException(HttpStatus.CONFLICT, ErrorCode.INVALID_FIELD, "template "
                        + templateId + " was created without user caps, so its grants were not"
                        + " counted per user; create a capped template and point the rain's"
                        + " chain at it instead");
            }
            if (fallback != null) {
                columns.put(Changeable.FALLBACK_TEMPLATE_ID, fallback.isEmpty() ? null
                        : checkedFallback(store, connection, templateId, activityId, fallback));
            }
            store.updateTemplate(connection, templateId, columns);
            Map<String, String> changed = new LinkedHashMap<>();
            new EnumMap<>(columns).forEach((column, value) -> changed.put(column.column(),
                    value instanceof List<?> list ? list.stream().map(String::valueOf)
                            .collect(Collectors.joining(",")) : String.valueOf(value)));
            changes.audit(request, "UPDATE_TEMPLATE", templateId, null,
                    AdminSupport.describe(changed), reason);
            return new Updated(templateId, changed);
        });
    }

    /** The columns the update sets, each checked (the fallback is checked in the change). */
    private static Map<Changeable, Object> changedColumns(TemplateUpdate body) {
        Map<Changeable, Object> columns = new EnumMap<>(Changeable.class);
        if (body.alertThresholdsPct() != null) {
            columns.put(Changeable.ALERT_THRESHOLDS_PCT, thresholds(body.alertThresholdsPct()));
        }
        putRange(columns, Changeable.BURN_MARGIN_MINUTES, body.burnMarginMinutes(), 0, 24 * 60);
        putRange(columns, Changeable.UNUSED_PCT_MAX, body.unusedPctMax(), 0, 100);
        putRange(columns, Changeable.SPIKE_FACTOR_PCT, body.spikeFactorPct(), 101, 100_000);
        putRange(columns, Changeable.OUTCOME_SHARE_MAX_PCT, body.outcomeShareMaxPct(), 1, 100);
        putRange(columns, Changeable.DRIFT_GRACE_SECONDS, body.driftGraceSeconds(), 0,
                24 * 3600);
        if (body.driftToleranceMinor() != null) {
            if (body.driftToleranceMinor() < 0) {
                throw invalid("driftToleranceMinor must be >= 0");
            }
            columns.put(Changeable.DRIFT_TOLERANCE_MINOR, body.driftToleranceMinor());
        }
        if (body.userCaps() != null) {
            UserCaps caps = body.userCaps().caps();
            columns.put(Changeable.USER_CAP_COUNT, capOrNull(caps.count()));
            columns.put(Changeable.USER_CAP_MINOR, capOrNull(caps.amountMinor()));
            columns.put(Changeable.USER_DAILY_CAP_COUNT, capOrNull(caps.dailyCount()));
            columns.put(Changeable.USER_DAILY_CAP_MINOR, capOrNull(caps.dailyAmountMinor()));
        }
        return columns;
    }

    /** The fallback, if it is a template of the same child and makes no cycle. */
    private static String checkedFallback(CatalogStore store, Connection connection,
            String templateId, String activityId, String fallback) throws SQLException {
        Set<String> seen = new HashSet<>(List.of(templateId));
        String next = fallback;
        while (next != null) {
            if (!seen.add(next)) {
                throw invalid("fallbackTemplateId " + fallback + " would make a fallback cycle");
            }
            CatalogStore.TemplateLink link = store.link(connection, next)
                    .filter(found -> found.activityId().equals(activityId))
                    .orElseThrow(() -> invalid("fallbackTemplateId must be a template of the"
                            + " same stage child"));
            next = link.fallbackTemplateId();
        }
        return fallback;
    }

    record BudgetRaise(String raiseId, Long addMinor, String reason) {
    }

    record BudgetRaised(String templateId, String raiseId, long budgetMinor,
            long remainingMinor) {
    }

    /**
     * Raises a template's budget by {@code addMinor}, idempotent on the caller's raiseId.
     * Recorded in MySQL first (budget, version, audit, the raise row), then applied to the
     * shards; a pool's packets are fixed and cannot be raised.
     */
    @PostMapping("/admin/templates/{templateId}/budget-raises")
    BudgetRaised raise(@PathVariable String templateId, @RequestBody BudgetRaise body,
            HttpServletRequest request) {
        Validation.id("templateId", templateId);
        String raiseId = Validation.id("raiseId", body.raiseId());
        long add = positive("addMinor", body.addMinor());
        String reason = AdminSupport.reason(body.reason());
        Template template = changes.catalog().current().template(templateId).orElseThrow(() ->
                ApiException.notFound(ErrorCode.UNKNOWN_TEMPLATE, "no template " + templateId));
        if (template.rule() == AmountRule.POOL) {
            throw new ApiException(HttpStatus.CONFLICT, ErrorCode.INVALID_FIELD,
                    "a pool's packets are split ahead; create another template instead");
        }
        if (template.rule() == AmountRule.FIXED && add % template.fixedAmountMinor() != 0) {
            throw invalid("addMinor must be a multiple of the fixed amount "
                    + template.fixedAmountMinor());
        }
        BudgetRaises.Raise raise = new BudgetRaises.Raise(templateId, add);
        changes.apply((store, connection) -> {
            var recorded = raises.lockRecorded(raiseId);
            if (recorded.isPresent()) {
                if (!recorded.get().equals(raise)) {
                    throw new ApiException(HttpStatus.CONFLICT, ErrorCode.REQUEST_ID_REUSED,
                            "raiseId " + raiseId + " was used for another raise");
                }
                return null;
            }
            raises.record(raiseId, raise, AdminSupport.actor(request), reason);
            long before = store.raiseBudget(connection, templateId, add);
            changes.audit(request, "BUDGET_RAISE", templateId, Long.toString(before),
                    Long.toString(before + add), reason);
            return null;
        });
        raises.applyPending();
        Template raised = changes.catalog().current().template(templateId).orElseThrow();
        return new BudgetRaised(templateId, raiseId, raised.budgetMinor(),
                budgets.remaining(raised));
    }

    /** Alert thresholds: 1-10 percentages of 1-100, kept distinct and sorted. */
    static List<Integer> thresholds(List<Integer> percentages) {
        if (percentages.isEmpty() || percentages.size() > 10 || percentages.stream().anyMatch(
                pct -> pct == null || pct < 1 || pct > 100)) {
            throw invalid("alertThresholdsPct: 1-10 percentages of 1-100");
        }
        return percentages.stream().distinct().sorted().toList();
    }

    private static void putRange(Map<Changeable, Object> columns, Changeable column,
            Integer value, int min, int max) {
        if (value == null) {
            return;
        }
        if (value < min || value > max) {
            throw invalid(column.column() + " is " + min + "-" + max);
        }
        columns.put(column, value);
    }

    private static AmountRule rule(String name) {
        try {
            return AmountRule.valueOf(name == null ? "" : name);
        } catch (IllegalArgumentException e) {
            throw invalid("amountRule must be FIXED, UNIFORM or POOL");
        }
    }

    private static long positive(String field, Long value) {
        if (value == null || value <= 0) {
            throw invalid(field + " must be a positive number of minor units");
        }
        return value;
    }

    private static Long capOrNull(long cap) {
        return cap == 0 ? null : cap;
    }

    private static ApiException invalid(String detail) {
        return ApiException.badRequest(ErrorCode.INVALID_FIELD, detail);
    }
}
