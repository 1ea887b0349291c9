package dev.redrain.issuance.admin;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.catalog.Activity;
import dev.redrain.core.catalog.Template;
import dev.redrain.issuance.activity.Catalog;
import dev.redrain.issuance.activity.CatalogRefresher;
import dev.redrain.issuance.budget.BudgetGuard;
import dev.redrain.issuance.budget.BudgetStore;
import dev.redrain.issuance.grab.RebuildRunner;
import dev.redrain.issuance.grab.RebuildRuns;
import dev.redrain.issuance.ops.Switches;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The operators' API for running a festival: budget views, budget rebuilds after Redis lost
 * data, and the degradation switches. Every change is audited with its actor and reason. Guarded by
 * {@link AdminAuthFilter}.
 */
@RestController
class OperationsAdminController {
    private static final Pattern SWITCH_NAME = Pattern.compile(
            "outbox-only|wallet-read-only|fallback-only:[A-Za-z0-9.-]{1,64}"
                    + "|scene-closed:[A-Za-z0-9.-]{1,64}:[A-Za-z0-9.-]{1,64}");

    private final CatalogRefresher catalog;
    private final BudgetStore budgets;
    private final BudgetGuard guard;
    private final Switches switches;
    private final JdbcTemplate jdbc;
    private final RebuildRunner rebuilds;

    OperationsAdminController(CatalogRefresher catalog, BudgetStore budgets, BudgetGuard guard,
            Switches switches, JdbcTemplate jdbc,
            RebuildRunner rebuilds) {
        this.rebuilds = rebuilds;
        this.catalog = catalog;
        this.budgets = budgets;
        this.guard = guard;
        this.switches = switches;
        this.jdbc = jdbc;
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
        rows.sort(Comparator.comparing(TemplateBudget::templateId));
        return new Budgets(parentId, parent.liveStage(), guard.state().name(), rows);
    }

    record Reason(String reason) {
    }

    /** @param waitSeconds how long the call waits for the rebuild (default 30, at most 60) */
    record RebuildRequest(String reason, Integer waitSeconds) {
    }

    /**
     * Rebuilds budgets, grab answers and tokens in Redis from the durable record: all of them
     * after Redis came back empty, or only the lost shards of DEGRADED templates (after a
     * partial loss; it first waits until their last grabs have settled, about 15 s). Runs in
     * the background, one at a time across instances: a call while one runs joins it. Answers
     * 200 with the run once it is done within {@code waitSeconds}, else 202 with its progress
     * and a Location to follow it. Refused (409) while every budget is live.
     */
    @PostMapping("/admin/budgets/rebuild")
    ResponseEntity<RebuildRuns.Run> rebuild(
            @RequestBody RebuildRequest body, HttpServletRequest request)
            throws InterruptedException {
        String reason = AdminSupport.reason(body.reason());
        int waitSeconds = body.waitSeconds() == null ? 30 : body.waitSeconds();
        if (waitSeconds < 0 || waitSeconds > 60) {
            throw ApiException.badRequest(ErrorCode.INVALID_FIELD, "waitSeconds must be 0 to"
                    + " 60");
        }
        var started = rebuilds.start(reason);
        if (started.started()) {
            AdminSupport.audit(jdbc, request, started.run().kind() == dev.redrain.issuance.grab
                    .RebuildRuns.Kind.FULL ? "REDIS_REBUILD" : "REDIS_RESTORE_LOST",
                    "namespace", guard.state().name() + " degraded "
                            + guard.degradedTemplates(), "rebuild "
                                    + started.run().rebuildId(), reason);
        }
        return rebuildAnswer(rebuilds.await(started.run().rebuildId(),
                Duration.ofSeconds(waitSeconds)));
    }

    /** A rebuild as it stands: its phase and progress, and its result once done. */
    @GetMapping("/admin/budgets/rebuilds/{rebuildId}")
    RebuildRuns.Run rebuildRun(@PathVariable long rebuildId) {
        return rebuilds.find(rebuildId).orElseThrow(() -> ApiException.notFound(
                ErrorCode.UNKNOWN_REBUILD, "no rebuild " + rebuildId + " of this namespace"));
    }

    /** The latest rebuild of this namespace. */
    @GetMapping("/admin/budgets/rebuilds/latest")
    RebuildRuns.Run latestRebuild() {
        return rebuilds.latest().orElseThrow(() -> ApiException.notFound(
                ErrorCode.UNKNOWN_REBUILD, "this namespace has never been rebuilt"));
    }

    private static ResponseEntity<RebuildRuns.Run> rebuildAnswer(RebuildRuns.Run run) {
        return switch (run.status()) {
            case DONE -> ResponseEntity.ok(run);
            case RUNNING -> ResponseEntity.accepted().location(
                    URI.create("/admin/budgets/rebuilds/" + run.rebuildId()))
                    .body(run);
            case FAILED, ABANDONED -> throw ApiException.unavailable(ErrorCode.REBUILD_FAILED,
                    "rebuild " + run.rebuildId() + " " + run.status().name().toLowerCase(
                            Locale.ROOT) + ": " + run.error() + "; ask again",
                    Duration.ofSeconds(1));
        };
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
        // A stale switch (its activity since removed) may still be turned off.
        if (change.on() || !switches.isOn(name)) {
            requireKnownTarget(catalog.current(), name);
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

    /**
     * A switch names what it acts on: the parent activity grabs name (a stage's child id
     * would match no grab, and the switch would answer "on" while cash still pays), and a
     * scene one of its rains declares. Anything else is refused, changing nothing.
     */
    private static void requireKnownTarget(Catalog snapshot, String name) {
        String[] parts = name.split(":");
        if (parts.length == 1) {
            return; // outbox-only, wallet-read-only: no target
        }
        Optional<Activity> named = snapshot.activity(parts[1]);
        if (named.isPresent() && !named.get().isParent()) {
            throw ApiException.notFound(ErrorCode.UNKNOWN_ACTIVITY, parts[1] + " is the "
                    + named.get().stage() + " stage of " + named.get().parentActivityId()
                    + "; a switch names the parent: " + parts[0] + ":"
                    + named.get().parentActivityId() + (parts.length > 2 ? ":" + parts[2] : ""));
        }
        Activity parent = parent(snapshot, parts[1]);
        if (parts.length > 2 && snapshot.rains(parent.activityId()).stream().noneMatch(rain ->
                rain.awardTypeByScene().containsKey(parts[2]))) {
            throw ApiException.notFound(ErrorCode.UNKNOWN_SCENE, "no rain of " + parent
                    .activityId() + " declares scene " + parts[2]);
        }
    }

    private static Activity parent(Catalog snapshot, String parentId) {
        return snapshot.activity(parentId).filter(Activity::isParent).orElseThrow(() ->
                ApiException.notFound(ErrorCode.UNKNOWN_ACTIVITY, "no parent activity "
                        + parentId));
    }
}
