package dev.redrain.issuance.admin;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.ids.Identifiers;
import dev.redrain.issuance.activity.AmountRule;
import dev.redrain.issuance.activity.UserCaps;
import dev.redrain.issuance.activity.CatalogRefresher;
import dev.redrain.issuance.budget.BudgetGuard;
import dev.redrain.issuance.budget.BudgetShares;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import dev.redrain.issuance.web.Validation;
import jakarta.servlet.http.HttpServletRequest;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Creating activities (a parent with its three stage children), their templates and their
 * allow-lists. Every input is checked before anything is written, the currency of a template
 * comes from its award type (never from the caller), and every change is audited.
 */
@RestController
class ActivityAdminController {
    static final int ACTIVITY_ID_LENGTH_MAX = Identifiers.LENGTH_MAX - "-internal".length();
    static final int ALLOW_LIST_BATCH_MAX = 10_000;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final CatalogRefresher catalog;
    private final BudgetGuard guard;
    private final dev.redrain.issuance.budget.BudgetRaises raises;
    private final dev.redrain.issuance.budget.BudgetStore budgets;

    ActivityAdminController(JdbcTemplate jdbc, TransactionTemplate transactions,
            CatalogRefresher catalog, BudgetGuard guard,
            dev.redrain.issuance.budget.BudgetRaises raises,
            dev.redrain.issuance.budget.BudgetStore budgets) {
        this.raises = raises;
        this.budgets = budgets;
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.catalog = catalog;
        this.guard = guard;
    }

    record NewActivity(String activityId, String name, Instant startsAt, Instant endsAt,
            String liveStage, Integer grayPercent, String reason) {
    }

    record Created(String activityId, List<String> children) {
    }

    @PostMapping("/admin/activities")
    Created createActivity(@RequestBody NewActivity body, HttpServletRequest request) {
        String id = Validation.id("activityId", body.activityId());
        if (id.length() > ACTIVITY_ID_LENGTH_MAX) {
            throw invalid("activityId is at most " + ACTIVITY_ID_LENGTH_MAX + " characters");
        }
        String name = AdminSupport.text("name", body.name(), 255);
        if (body.startsAt() == null || body.endsAt() == null
                || !body.endsAt().isAfter(body.startsAt())) {
            throw invalid("startsAt and endsAt are required, endsAt after startsAt");
        }
        Stage live = AdminSupport.stage(body.liveStage() == null ? "INTERNAL_TEST"
                : body.liveStage());
        int gray = body.grayPercent() == null ? 0 : body.grayPercent();
        if (gray < 0 || gray > 100) {
            throw invalid("grayPercent is 0-100");
        }
        String reason = AdminSupport.reason(body.reason());
        List<String> children = List.of(childId(id, Stage.INTERNAL_TEST),
                childId(id, Stage.GRAY), childId(id, Stage.FORMAL));
        try {
            transactions.executeWithoutResult(status -> {
                Timestamp starts = Timestamp.from(body.startsAt());
                Timestamp ends = Timestamp.from(body.endsAt());
                jdbc.update("INSERT INTO activity (activity_id, name, live_stage, starts_at,"
                        + " ends_at, status) VALUES (?, ?, ?, ?, ?, 'ACTIVE')", id, name,
                        live.name(), starts, ends);
                for (Stage stage : Stage.values()) {
                    jdbc.update("INSERT INTO activity (activity_id, parent_activity_id, name,"
                            + " stage, gray_percent, starts_at, ends_at, status) VALUES (?, ?,"
                            + " ?, ?, ?, ?, ?, 'ACTIVE')", childId(id, stage), id,
                            name + " (" + stage + ")", stage.name(),
                            stage == Stage.GRAY ? gray : 0, starts, ends);
                }
                AdminSupport.audit(jdbc, request, "CREATE_ACTIVITY", id, null, live.name(),
                        reason);
            });
        } catch (DuplicateKeyException e) {
            throw new ApiException(HttpStatus.CONFLICT, ErrorCode.INVALID_FIELD,
                    "activity " + id + " (or one of its children) exists");
        }
        catalog.reload();
        return new Created(id, children);
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
    TemplateCreated createTemplate(@PathVariable String parentId, @RequestBody NewTemplate body,
            HttpServletRequest request) {
        Validation.id("parentId", parentId);
        String templateId = Validation.id("templateId", body.templateId());
        String child = childId(parentId, AdminSupport.stage(body.stage()));
        String awardType = Validation.id("awardType", body.awardType());
        String reason = AdminSupport.reason(body.reason());
        List<String> currencies = jdbc.queryForList("SELECT asset_code FROM award_type WHERE"
                + " award_type = ?", String.class, awardType);
        if (currencies.isEmpty()) {
            throw invalid("unknown award type " + awardType);
        }
        if (jdbc.queryForList("SELECT 1 FROM activity WHERE activity_id = ? AND"
                + " parent_activity_id = ?", Integer.class, child, parentId).isEmpty()) {
            throw ApiException.notFound(ErrorCode.UNKNOWN_ACTIVITY, "no " + body.stage()
                    + " child of " + parentId);
        }
        AmountRule rule = rule(body.amountRule());
        long budget = positive("budgetMinor", body.budgetMinor());
        int shards = body.budgetShards() == null ? 8 : body.budgetShards();
        if (shards < 1 || shards > 1024) {
            throw invalid("budgetShards is 1-1024");
        }
        String thresholds = UpdateAdminController.thresholds(body.alertThresholdsPct() == null
                ? List.of(50, 80, 95, 100) : body.alertThresholdsPct());
        Long fixed = null;
        Long min = null;
        Long max = null;
        Integer packets = null;
        switch (rule) {
            case FIXED -> {
                fixed = positive("fixedAmountMinor", body.fixedAmountMinor());
                if (budget % fixed != 0) {
                    throw invalid("budgetMinor must be a multiple of fixedAmountMinor");
                }
            }
            case UNIFORM -> {
                min = positive("minAmountMinor", body.minAmountMinor());
                max = positive("maxAmountMinor", body.maxAmountMinor());
                if (max < min) {
                    throw invalid("maxAmountMinor must be >= minAmountMinor");
                }
            }
            case POOL -> {
                packets = body.poolPacketCount();
                if (packets == null || packets < 1 || packets > BudgetShares.POOL_PACKETS_MAX
                        || packets > budget) {
                    throw invalid("poolPacketCount is 1-" + BudgetShares.POOL_PACKETS_MAX
                            + " and at most budgetMinor");
                }
            }
        }
        String fallback = body.fallbackTemplateId() == null ? null
                : Validation.id("fallbackTemplateId", body.fallbackTemplateId());
        if (fallback != null && jdbc.queryForList("SELECT 1 FROM reward_template WHERE"
                + " template_id = ? AND activity_id = ?", Integer.class, fallback, child)
                .isEmpty()) {
            throw invalid("fallbackTemplateId must be a template of the same stage child");
        }
        String currency = currencies.get(0);
        UserCaps caps = body.userCaps() == null ? UserCaps.NONE : body.userCaps().caps();
        Object[] capColumns = AdminSupport.capColumns(caps);
        Object[] values = {templateId, child, awardType, currency, rule.name(), fixed, min, max,
            packets, budget, shards, thresholds, fallback, capColumns[0], capColumns[1],
            capColumns[2], capColumns[3]};
        try {
            transactions.executeWithoutResult(status -> {
                jdbc.update("INSERT INTO reward_template (template_id, activity_id, award_type,"
                        + " currency, amount_rule, fixed_amount_minor, min_amount_minor,"
                        + " max_amount_minor, pool_packet_count, budget_minor, budget_shards,"
                        + " alert_thresholds_pct, fallback_template_id, user_cap_count,"
                        + " user_cap_minor, user_daily_cap_count, user_daily_cap_minor) VALUES"
                        + " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values);
                AdminSupport.audit(jdbc, request, "CREATE_TEMPLATE", templateId, null,
                        budget + " " + currency + (caps.any() ? " " + caps : ""), reason);
            });
        } catch (DuplicateKeyException e) {
            throw new ApiException(HttpStatus.CONFLICT, ErrorCode.INVALID_FIELD,
                    "template " + templateId + " exists");
        }
        catalog.reload();
        guard.check();
        return new TemplateCreated(templateId, child, currency);
    }

    record StatusChange(String status, String reason) {
    }

    record StatusChanged(String activityId, String from, String to) {
    }

    /**
     * Pauses, resumes or ends a parent activity: grabs of a paused or ended activity get 409
     * ACTIVITY_NOT_LIVE on every instance within a second. Ending is final.
     */
    @PostMapping("/admin/activities/{parentId}/status")
    StatusChanged status(@PathVariable String parentId, @RequestBody StatusChange body,
            HttpServletRequest request) {
        Validation.id("parentId", parentId);
        String target = body.status() == null ? "" : body.status();
        if (!List.of("ACTIVE", "PAUSED", "ENDED").contains(target)) {
            throw invalid("status must be ACTIVE, PAUSED or ENDED");
        }
        String reason = AdminSupport.reason(body.reason());
        StatusChanged changed = transactions.execute(status -> {
            List<String> current = jdbc.queryForList("SELECT status FROM activity WHERE"
                    + " activity_id = ? AND parent_activity_id IS NULL FOR UPDATE",
                    String.class, parentId);
            if (current.isEmpty()) {
                throw ApiException.notFound(ErrorCode.UNKNOWN_ACTIVITY, "no parent activity "
                        + parentId);
            }
            if (current.get(0).equals("ENDED") && !target.equals("ENDED")) {
                throw new ApiException(HttpStatus.CONFLICT, ErrorCode.INVALID_FIELD,
                        parentId + " has ended; an ended activity does not come back");
            }
            jdbc.update("UPDATE activity SET status = ?, version = version + 1, updated_at ="
                    + " CURRENT_TIMESTAMP(3) WHERE activity_id = ?", target, parentId);
            AdminSupport.audit(jdbc, request, "ACTIVITY_STATUS", parentId, current.get(0),
                    target, reason);
            return new StatusChanged(parentId, current.get(0), target);
        });
        catalog.reload();
        return changed;
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
        var template = catalog.current().template(templateId).orElseThrow(() ->
                ApiException.notFound(ErrorCode.UNKNOWN_TEMPLATE, "no template " + templateId));
        if (template.rule() == AmountRule.POOL) {
            throw new ApiException(HttpStatus.CONFLICT, ErrorCode.INVALID_FIELD,
                    "a pool's packets are split ahead; create another template instead");
        }
        if (template.rule() == AmountRule.FIXED && add % template.fixedAmountMinor() != 0) {
            throw invalid("addMinor must be a multiple of the fixed amount "
                    + template.fixedAmountMinor());
        }
        transactions.executeWithoutResult(status -> {
            List<java.util.Map<String, Object>> existing = jdbc.queryForList("SELECT template_id,"
                    + " add_minor FROM budget_raise WHERE raise_id = ? FOR UPDATE", raiseId);
            if (!existing.isEmpty()) {
                if (!templateId.equals(existing.get(0).get("template_id"))
                        || ((Number) existing.get(0).get("add_minor")).longValue() != add) {
                    throw new ApiException(HttpStatus.CONFLICT, ErrorCode.REQUEST_ID_REUSED,
                            "raiseId " + raiseId + " was used for another raise");
                }
                return;
            }
            jdbc.update("INSERT INTO budget_raise (raise_id, template_id, add_minor, actor,"
                    + " reason) VALUES (?, ?, ?, ?, ?)", raiseId, templateId, add,
                    request.getAttribute(AdminAuthFilter.ACTOR), reason);
            long before = jdbc.queryForObject("SELECT budget_minor FROM reward_template WHERE"
                    + " template_id = ? FOR UPDATE", Long.class, templateId);
            jdbc.update("UPDATE reward_template SET budget_minor = budget_minor + ?, version ="
                    + " version + 1, updated_at = CURRENT_TIMESTAMP(3) WHERE template_id = ?",
                    add, templateId);
            AdminSupport.audit(jdbc, request, "BUDGET_RAISE", templateId, Long.toString(before),
                    Long.toString(before + add), reason);
        });
        catalog.reload();
        raises.applyPending();
        var raised = catalog.current().template(templateId).orElseThrow();
        return new BudgetRaised(templateId, raiseId, raised.budgetMinor(),
                budgets.remaining(raised));
    }

    record AllowList(String stage, List<String> actIds, String reason) {
    }

    @PostMapping("/admin/activities/{parentId}/allow-list")
    AllowList allow(@PathVariable String parentId, @RequestBody AllowList body,
            HttpServletRequest request) {
        Validation.id("parentId", parentId);
        String child = childId(parentId, AdminSupport.stage(body.stage()));
        String reason = AdminSupport.reason(body.reason());
        if (body.actIds() == null || body.actIds().isEmpty()
                || body.actIds().size() > ALLOW_LIST_BATCH_MAX) {
            throw invalid("actIds: 1-" + ALLOW_LIST_BATCH_MAX + " ids");
        }
        body.actIds().forEach(actId -> Validation.id("actIds[]", actId));
        if (jdbc.queryForList("SELECT 1 FROM activity WHERE activity_id = ?", Integer.class,
                child).isEmpty()) {
            throw ApiException.notFound(ErrorCode.UNKNOWN_ACTIVITY, "no child " + child);
        }
        transactions.executeWithoutResult(status -> {
            jdbc.batchUpdate("INSERT IGNORE INTO activity_allow_list (activity_id, act_id)"
                    + " VALUES (?, ?)", body.actIds().stream()
                    .map(actId -> new Object[] {child, actId}).toList());
            AdminSupport.audit(jdbc, request, "ALLOW_LIST", child, null,
                    body.actIds().size() + " actIds",
                    reason);
        });
        catalog.reload();
        return body;
    }

    static String childId(String parentId, Stage stage) {
        return parentId + switch (stage) {
            case INTERNAL_TEST -> "-internal";
            case GRAY -> "-gray";
            case FORMAL -> "-formal";
        };
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

    private static ApiException invalid(String detail) {
        return ApiException.badRequest(ErrorCode.INVALID_FIELD, detail);
    }
}
