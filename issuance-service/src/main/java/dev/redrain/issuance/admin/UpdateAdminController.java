package dev.redrain.issuance.admin;

import dev.redrain.core.activity.Stage;
import dev.redrain.issuance.activity.CatalogRefresher;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import dev.redrain.issuance.web.Validation;
import jakarta.servlet.http.HttpServletRequest;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Updates of activities and templates after creation. Only what can change safely while a rain
 * runs: names, times and the gray share of an activity; a template's fallback, alert
 * thresholds and budget-monitor parameters. A template's award type, asset, amount rule and
 * budget are fixed once created (a budget grows only through idempotent budget raises), so no
 * update can make a granted token disagree with its template or a budget shrink below what was
 * granted. Each update is one transaction with an audit row naming every field that changed,
 * and reaches every instance with the next catalog reload (within a second).
 */
@RestController
class UpdateAdminController {
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final CatalogRefresher catalog;

    UpdateAdminController(JdbcTemplate jdbc, TransactionTemplate transactions,
            CatalogRefresher catalog) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.catalog = catalog;
    }

    record ActivityUpdate(String name, Instant startsAt, Instant endsAt, Integer grayPercent,
            String reason) {
    }

    record Updated(String id, Map<String, String> changed) {
    }

    @PatchMapping("/admin/activities/{parentId}")
    Updated updateActivity(@PathVariable String parentId, @RequestBody ActivityUpdate body,
            HttpServletRequest request) {
        Validation.id("parentId", parentId);
        String reason = AdminSupport.reason(body.reason());
        String name = body.name() == null ? null : AdminSupport.text("name", body.name(), 200);
        if (body.grayPercent() != null && (body.grayPercent() < 0 || body.grayPercent() > 100)) {
            throw invalid("grayPercent is 0-100");
        }
        if (name == null && body.startsAt() == null && body.endsAt() == null
                && body.grayPercent() == null) {
            throw invalid("nothing to change: give name, startsAt, endsAt or grayPercent");
        }
        Updated updated = transactions.execute(status -> {
            List<Map<String, Object>> rows = jdbc.queryForList("SELECT name, starts_at, ends_at,"
                    + " status FROM activity WHERE activity_id = ? AND parent_activity_id IS NULL"
                    + " FOR UPDATE", parentId);
            if (rows.isEmpty()) {
                throw ApiException.notFound(ErrorCode.UNKNOWN_ACTIVITY, "no parent activity "
                        + parentId);
            }
            Map<String, Object> row = rows.get(0);
            if ("ENDED".equals(row.get("status"))) {
                throw new ApiException(HttpStatus.CONFLICT, ErrorCode.INVALID_FIELD,
                        parentId + " has ended; an ended activity does not change");
            }
            Instant starts = body.startsAt() != null ? body.startsAt()
                    : instant(row.get("starts_at"));
            Instant ends = body.endsAt() != null ? body.endsAt()
                    : instant(row.get("ends_at"));
            if (!ends.isAfter(starts)) {
                throw invalid("endsAt must be after startsAt");
            }
            Map<String, String> changed = new LinkedHashMap<>();
            if (name != null && !name.equals(row.get("name"))) {
                changed.put("name", name);
                jdbc.update("UPDATE activity SET name = ? WHERE activity_id = ?", name, parentId);
                for (Stage stage : Stage.values()) {
                    jdbc.update("UPDATE activity SET name = ? WHERE activity_id = ?",
                            name + " (" + stage + ")", ActivityAdminController.childId(parentId,
                                    stage));
                }
            }
            if (body.startsAt() != null || body.endsAt() != null) {
                changed.put("startsAt", starts.toString());
                changed.put("endsAt", ends.toString());
                jdbc.update("UPDATE activity SET starts_at = ?, ends_at = ? WHERE activity_id = ?"
                        + " OR parent_activity_id = ?", Timestamp.from(starts),
                        Timestamp.from(ends), parentId, parentId);
            }
            if (body.grayPercent() != null) {
                changed.put("grayPercent", body.grayPercent().toString());
                jdbc.update("UPDATE activity SET gray_percent = ? WHERE activity_id = ?",
                        body.grayPercent(), ActivityAdminController.childId(parentId,
                                Stage.GRAY));
            }
            jdbc.update("UPDATE activity SET version = version + 1, updated_at ="
                    + " CURRENT_TIMESTAMP(3) WHERE activity_id = ? OR parent_activity_id = ?",
                    parentId, parentId);
            AdminSupport.audit(jdbc, request, "UPDATE_ACTIVITY", parentId, null,
                    describe(changed), reason);
            return new Updated(parentId, changed);
        });
        catalog.reload();
        return updated;
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

    @PatchMapping("/admin/templates/{templateId}")
    Updated updateTemplate(@PathVariable String templateId, @RequestBody TemplateUpdate body,
            HttpServletRequest request) {
        Validation.id("templateId", templateId);
        String reason = AdminSupport.reason(body.reason());
        Map<String, Object> columns = new LinkedHashMap<>();
        if (body.alertThresholdsPct() != null) {
            columns.put("alert_thresholds_pct", thresholds(body.alertThresholdsPct()));
        }
        putRange(columns, "burn_margin_minutes", body.burnMarginMinutes(), 0, 24 * 60);
        putRange(columns, "unused_pct_max", body.unusedPctMax(), 0, 100);
        putRange(columns, "spike_factor_pct", body.spikeFactorPct(), 101, 100_000);
        putRange(columns, "outcome_share_max_pct", body.outcomeShareMaxPct(), 1, 100);
        putRange(columns, "drift_grace_seconds", body.driftGraceSeconds(), 0, 24 * 3600);
        if (body.driftToleranceMinor() != null) {
            if (body.driftToleranceMinor() < 0) {
                throw invalid("driftToleranceMinor must be >= 0");
            }
            columns.put("drift_tolerance_minor", body.driftToleranceMinor());
        }
        String fallback = body.fallbackTemplateId();
        if (fallback != null && !fallback.isEmpty()) {
            Validation.id("fallbackTemplateId", fallback);
        }
        if (body.userCaps() != null) {
            Object[] caps = AdminSupport.capColumns(body.userCaps().caps());
            List<String> capColumns = List.of("user_cap_count", "user_cap_minor",
                    "user_daily_cap_count", "user_daily_cap_minor");
            for (int i = 0; i < caps.length; i++) {
                columns.put(capColumns.get(i), caps[i]);
            }
        }
        if (columns.isEmpty() && fallback == null) {
            throw invalid("nothing to change");
        }
        Updated updated = transactions.execute(status -> {
            List<String> activity = jdbc.queryForList("SELECT activity_id FROM reward_template"
                    + " WHERE template_id = ? FOR UPDATE", String.class, templateId);
            if (activity.isEmpty()) {
                throw ApiException.notFound(ErrorCode.UNKNOWN_TEMPLATE, "no template " + templateId);
            }
            if (body.userCaps() != null && !counted(templateId)) {
                throw new ApiException(HttpStatus.CONFLICT, ErrorCode.INVALID_FIELD, "template "
                        + templateId + " was created without user caps, so its grants were not"
                        + " counted per user; create a capped template and point the rain's"
                        + " chain at it instead");
            }
            if (fallback != null) {
                columns.put("fallback_template_id", fallback.isEmpty() ? null
                        : checkedFallback(templateId, activity.get(0), fallback));
            }
            List<Object> values = new ArrayList<>(columns.values());
            values.add(templateId);
            jdbc.update("UPDATE reward_template SET " + columns.keySet().stream()
                    .map(column -> column + " = ?").collect(Collectors.joining(", "))
                    + ", version = version + 1, updated_at = CURRENT_TIMESTAMP(3)"
                    + " WHERE template_id = ?", values.toArray());
            Map<String, String> changed = new LinkedHashMap<>();
            columns.forEach((column, value) -> changed.put(column, String.valueOf(value)));
            AdminSupport.audit(jdbc, request, "UPDATE_TEMPLATE", templateId, null,
                    describe(changed), reason);
            return new Updated(templateId, changed);
        });
        catalog.reload();
        return updated;
    }

    /** Whether the issuer counts this template's grants per user (it has a cap). */
    private boolean counted(String templateId) {
        return Boolean.TRUE.equals(jdbc.queryForObject("SELECT user_cap_count IS NOT NULL OR"
                + " user_cap_minor IS NOT NULL OR user_daily_cap_count IS NOT NULL OR"
                + " user_daily_cap_minor IS NOT NULL FROM reward_template WHERE template_id = ?",
                Boolean.class, templateId));
    }

    /** The fallback, if it is a template of the same child and makes no cycle. */
    private String checkedFallback(String templateId, String activityId, String fallback) {
        Set<String> seen = new HashSet<>(List.of(templateId));
        String next = fallback;
        while (next != null) {
            if (!seen.add(next)) {
                throw invalid("fallbackTemplateId " + fallback + " would make a fallback cycle");
            }
            List<Map<String, Object>> rows = jdbc.queryForList("SELECT activity_id,"
                    + " fallback_template_id FROM reward_template WHERE template_id = ?", next);
            if (rows.isEmpty() || !activityId.equals(rows.get(0).get("activity_id"))) {
                throw invalid("fallbackTemplateId must be a template of the same stage child");
            }
            next = (String) rows.get(0).get("fallback_template_id");
        }
        return fallback;
    }

    static String thresholds(List<Integer> percentages) {
        if (percentages.isEmpty() || percentages.size() > 10 || percentages.stream().anyMatch(
                pct -> pct == null || pct < 1 || pct > 100)) {
            throw invalid("alertThresholdsPct: 1-10 percentages of 1-100");
        }
        return percentages.stream().distinct().sorted().map(String::valueOf)
                .collect(Collectors.joining(","));
    }

    private static void putRange(Map<String, Object> columns, String column, Integer value,
            int min, int max) {
        if (value == null) {
            return;
        }
        if (value < min || value > max) {
            throw invalid(column + " is " + min + "-" + max);
        }
        columns.put(column, value);
    }

    /** A DATETIME column as read by Connector/J (the session time zone is UTC). */
    private static Instant instant(Object value) {
        return value instanceof java.time.LocalDateTime local
                ? local.toInstant(java.time.ZoneOffset.UTC) : ((Timestamp) value).toInstant();
    }

    private static String describe(Map<String, String> changed) {
        String text = changed.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(" "));
        return text.length() <= 255 ? text : text.substring(0, 252) + "...";
    }

    private static ApiException invalid(String detail) {
        return ApiException.badRequest(ErrorCode.INVALID_FIELD, detail);
    }
}
