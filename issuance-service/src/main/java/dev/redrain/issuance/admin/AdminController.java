package dev.redrain.issuance.admin;

import dev.redrain.core.activity.Stage;
import dev.redrain.issuance.activity.Activity;
import dev.redrain.issuance.activity.Catalog;
import dev.redrain.issuance.activity.CatalogRefresher;
import dev.redrain.issuance.activity.Template;
import dev.redrain.issuance.budget.BudgetGuard;
import dev.redrain.issuance.budget.BudgetStore;
import dev.redrain.issuance.ops.Switches;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import dev.redrain.issuance.web.Validation;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The operators' API: budget views, the live-stage switch of a parent activity, and the
 * degradation switches. Every change is audited with its actor and reason. Guarded by
 * {@link AdminAuthFilter}.
 */
@RestController
class AdminController {
    private static final Pattern SWITCH_NAME = Pattern.compile(
            "outbox-only|wallet-read-only|fallback-only:[A-Za-z0-9.-]{1,64}"
                    + "|scene-closed:[A-Za-z0-9.-]{1,64}:[A-Za-z0-9.-]{1,64}");

    private final CatalogRefresher catalog;
    private final BudgetStore budgets;
    private final BudgetGuard guard;
    private final Switches switches;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final dev.redrain.issuance.grab.RedisRebuilder rebuilder;

    AdminController(CatalogRefresher catalog, BudgetStore budgets, BudgetGuard guard,
            Switches switches, JdbcTemplate jdbc, TransactionTemplate transactions,
            dev.redrain.issuance.grab.RedisRebuilder rebuilder) {
        this.rebuilder = rebuilder;
        this.catalog = catalog;
        this.budgets = budgets;
        this.guard = guard;
        this.switches = switches;
        this.jdbc = jdbc;
        this.transactions = transactions;
    }

    record TemplateBudget(String templateId, String activityId, Stage stage, String awardType,
            String currency, long budgetMinor, long remainingMinor, long grantedMinor,
            long grantedCount) {
    }

    record Budgets(String parentActivityId, Stage liveStage, String budgetState,
            List<TemplateBudget> templates) {
    }

    @GetMapping("/admin/activities/{parentId}/budgets")
    Budgets budgets(@PathVariable String parentId) {
        Catalog snapshot = catalog.current();
        Activity parent = parent(snapshot, parentId);
        List<TemplateBudget> rows = new ArrayList<>();
        for (Stage stage : Stage.values()) {
            Activity child = snapshot.child(parent, stage).orElse(null);
            if (child == null) {
                continue;
            }
            for (Template template : snapshot.templates().values()) {
                if (template.activityId().equals(child.activityId())) {
                    BudgetStore.Granted granted = budgets.granted(template);
                    rows.add(new TemplateBudget(template.templateId(), child.activityId(), stage,
                            template.awardType(), template.currency(), template.budgetMinor(),
                            budgets.remaining(template), granted.amountMinor(),
                            granted.count()));
                }
            }
        }
        rows.sort(java.util.Comparator.comparing(TemplateBudget::templateId));
        return new Budgets(parentId, parent.liveStage(), guard.state().name(), rows);
    }

    record StageChange(String stage, String reason) {
    }

    record StageChanged(String parentActivityId, Stage from, Stage to) {
    }

    /** Moves a parent's grabs to another stage's child, atomically, audited. */
    @PostMapping("/admin/activities/{parentId}/live-stage")
    StageChanged liveStage(@PathVariable String parentId, @RequestBody StageChange change,
            HttpServletRequest request) {
        Validation.id("parentId", parentId);
        Stage target = AdminSupport.stage(change.stage());
        String reason = AdminSupport.reason(change.reason());
        StageChanged changed = transactions.execute(status -> {
            List<String> current = jdbc.queryForList("SELECT live_stage FROM activity WHERE"
                    + " activity_id = ? AND parent_activity_id IS NULL FOR UPDATE", String.class,
                    parentId);
            if (current.isEmpty()) {
                throw ApiException.notFound(ErrorCode.UNKNOWN_ACTIVITY, "no parent activity "
                        + parentId);
            }
            Integer children = jdbc.queryForObject("SELECT COUNT(*) FROM activity WHERE"
                    + " parent_activity_id = ? AND stage = ?", Integer.class, parentId,
                    target.name());
            if (children == null || children == 0) {
                throw new ApiException(HttpStatus.CONFLICT, ErrorCode.INVALID_FIELD,
                        parentId + " has no " + target + " child");
            }
            jdbc.update("UPDATE activity SET live_stage = ?, version = version + 1, updated_at ="
                    + " CURRENT_TIMESTAMP(3) WHERE activity_id = ?", target.name(), parentId);
            AdminSupport.audit(jdbc, request, "LIVE_STAGE", parentId, current.get(0),
                    target.name(), reason);
            Stage from = current.get(0) == null ? null : Stage.valueOf(current.get(0));
            return new StageChanged(parentId, from, target);
        });
        catalog.reload();
        return changed;
    }

    record Reason(String reason) {
    }

    /**
     * Rebuilds budgets, grab answers and tokens in Redis from the durable record: all of them
     * after Redis came back empty, or only the lost shards of DEGRADED templates (after a
     * partial loss; it first waits until their last grabs have settled, about 15 s). Refused
     * while every budget is live: it would grant nothing twice, but it has no reason to run.
     */
    @PostMapping("/admin/budgets/rebuild")
    dev.redrain.issuance.grab.RedisRebuilder.Result rebuild(@RequestBody Reason body,
            HttpServletRequest request) {
        String reason = AdminSupport.reason(body.reason());
        BudgetGuard.State state = guard.check();
        boolean partial = state == BudgetGuard.State.LIVE;
        if (partial && guard.degradedTemplates().isEmpty()) {
            throw nothingToRebuild();
        }
        var result = (partial ? rebuilder.restoreLost() : rebuilder.rebuild())
                .orElseThrow(AdminController::nothingToRebuild);
        AdminSupport.audit(jdbc, request, partial ? "REDIS_RESTORE_LOST" : "REDIS_REBUILD",
                "namespace", partial ? "DEGRADED " + guard.degradedTemplates() : state.name(), guard.state().name() + " events=" + result.events(),
                reason);
        return result;
    }

    private static ApiException nothingToRebuild() {
        return new ApiException(HttpStatus.CONFLICT, ErrorCode.BUDGETS_LIVE,
                "budgets are live in Redis; there is nothing to rebuild");
    }

    @GetMapping("/admin/switches")
    Map<String, String> switches() {
        return switches.all();
    }

    record SwitchChange(Boolean on, String reason) {
    }

    @PutMapping("/admin/switches/{name}")
    Map<String, String> setSwitch(@PathVariable String name, @RequestBody SwitchChange change,
            HttpServletRequest request) {
        if (!SWITCH_NAME.matcher(name).matches()) {
            throw ApiException.badRequest(ErrorCode.INVALID_FIELD, "unknown switch " + name);
        }
        if (change.on() == null) {
            throw ApiException.badRequest(ErrorCode.INVALID_FIELD, "on is required");
        }
        String reason = AdminSupport.reason(change.reason());
        String before = switches.isOn(name) ? "on" : "off";
        String after = change.on() ? "on" : "off";
        // Audit first: the switch lives in Redis and the audit in MySQL, with no transaction
        // over both, so a change is only made once its row is written.
        AdminSupport.audit(jdbc, request, "SWITCH", name, before, after, reason);
        try {
            switches.set(name, change.on());
        } catch (RuntimeException e) {
            AdminSupport.audit(jdbc, request, "SWITCH_NOT_APPLIED", name, before, after,
                    "Redis refused the change: " + e.getClass().getSimpleName());
            throw e;
        }
        return switches.all();
    }

    private static Activity parent(Catalog snapshot, String parentId) {
        return snapshot.activity(parentId).filter(Activity::isParent).orElseThrow(() ->
                ApiException.notFound(ErrorCode.UNKNOWN_ACTIVITY, "no parent activity "
                        + parentId));
    }
}
