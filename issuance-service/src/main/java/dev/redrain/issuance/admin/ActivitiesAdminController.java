package dev.redrain.issuance.admin;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.catalog.Activity;
import dev.redrain.core.catalog.CatalogStore;
import dev.redrain.core.ids.Identifiers;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import dev.redrain.issuance.web.Validation;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Activities: a parent created with its three stage children, then its name, times and gray
 * share changed, its status (pause, resume, end), its live stage and its allow-lists. Every
 * input is checked before anything is written; each change is one transaction with its audit
 * row and reaches every instance with the next catalog reload (within a second).
 */
@RestController
class ActivitiesAdminController {
    static final int ACTIVITY_ID_LENGTH_MAX = Identifiers.LENGTH_MAX - "-internal".length();
    static final int ALLOW_LIST_BATCH_MAX = 10_000;
    private static final List<String> STATUSES = List.of("ACTIVE", "PAUSED", "ENDED");

    private final CatalogChanges changes;

    ActivitiesAdminController(CatalogChanges changes) {
        this.changes = changes;
    }

    record NewActivity(String activityId, String name, Instant startsAt, Instant endsAt,
            String liveStage, Integer grayPercent, String reason) {
    }

    record Created(String activityId, List<String> children) {
    }

    @PostMapping("/admin/activities")
    Created create(@RequestBody NewActivity body, HttpServletRequest request) {
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
        int gray = grayPercent(body.grayPercent() == null ? 0 : body.grayPercent());
        String reason = AdminSupport.reason(body.reason());
        try {
            changes.apply((store, connection) -> {
                store.createActivity(connection, id, name, live, gray, body.startsAt(),
                        body.endsAt());
                changes.audit(request, "CREATE_ACTIVITY", id, null, live.name(), reason);
                return null;
            });
        } catch (DuplicateKeyException e) {
            throw new ApiException(HttpStatus.CONFLICT, ErrorCode.INVALID_FIELD,
                    "activity " + id + " (or one of its children) exists");
        }
        return new Created(id, List.of(Activity.childId(id, Stage.INTERNAL_TEST),
                Activity.childId(id, Stage.GRAY), Activity.childId(id, Stage.FORMAL)));
    }

    record ActivityUpdate(String name, Instant startsAt, Instant endsAt, Integer grayPercent,
            String reason) {
    }

    record Updated(String id, Map<String, String> changed) {
    }

    /** Names, times and the gray share: what can change safely while a rain runs. */
    @PatchMapping("/admin/activities/{parentId}")
    Updated update(@PathVariable String parentId, @RequestBody ActivityUpdate body,
            HttpServletRequest request) {
        Validation.id("parentId", parentId);
        String reason = AdminSupport.reason(body.reason());
        String name = body.name() == null ? null : AdminSupport.text("name", body.name(), 200);
        Integer gray = body.grayPercent() == null ? null : grayPercent(body.grayPercent());
        if (name == null && body.startsAt() == null && body.endsAt() == null && gray == null) {
            throw invalid("nothing to change: give name, startsAt, endsAt or grayPercent");
        }
        return changes.apply((store, connection) -> {
            CatalogStore.ParentRow row = changeableParent(store.lockParent(connection,
                    parentId), parentId, "does not change");
            Instant starts = body.startsAt() != null ? body.startsAt() : row.startsAt();
            Instant ends = body.endsAt() != null ? body.endsAt() : row.endsAt();
            if (!ends.isAfter(starts)) {
                throw invalid("endsAt must be after startsAt");
            }
            String renamed = name != null && !name.equals(row.name()) ? name : null;
            boolean moved = body.startsAt() != null || body.endsAt() != null;
            store.updateActivity(connection, parentId, renamed, moved ? starts : null,
                    moved ? ends : null, gray);
            Map<String, String> changed = new LinkedHashMap<>();
            if (renamed != null) {
                changed.put("name", renamed);
            }
            if (moved) {
                changed.put("startsAt", starts.toString());
                changed.put("endsAt", ends.toString());
            }
            if (gray != null) {
                changed.put("grayPercent", gray.toString());
            }
            changes.audit(request, "UPDATE_ACTIVITY", parentId, null,
                    AdminSupport.describe(changed), reason);
            return new Updated(parentId, changed);
        });
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
        if (!STATUSES.contains(target)) {
            throw invalid("status must be ACTIVE, PAUSED or ENDED");
        }
        String reason = AdminSupport.reason(body.reason());
        return changes.apply((store, connection) -> {
            CatalogStore.ParentRow row = store.lockParent(connection, parentId)
                    .orElseThrow(() -> unknownParent(parentId));
            if (row.status().equals("ENDED") && !target.equals("ENDED")) {
                throw new ApiException(HttpStatus.CONFLICT, ErrorCode.INVALID_FIELD,
                        parentId + " has ended; an ended activity does not come back");
            }
            store.setStatus(connection, parentId, target);
            changes.audit(request, "ACTIVITY_STATUS", parentId, row.status(), target, reason);
            return new StatusChanged(parentId, row.status(), target);
        });
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
        return changes.apply((store, connection) -> {
            CatalogStore.ParentRow row = store.lockParent(connection, parentId)
                    .orElseThrow(() -> unknownParent(parentId));
            if (!store.hasStageChild(connection, parentId, target)) {
                throw new ApiException(HttpStatus.CONFLICT, ErrorCode.INVALID_FIELD,
                        parentId + " has no " + target + " child");
            }
            store.setLiveStage(connection, parentId, target);
            changes.audit(request, "LIVE_STAGE", parentId, row.liveStage() == null ? null
                    : row.liveStage().name(), target.name(), reason);
            return new StageChanged(parentId, row.liveStage(), target);
        });
    }

    record AllowList(String stage, List<String> actIds, String reason) {
    }

    @PostMapping("/admin/activities/{parentId}/allow-list")
    AllowList allow(@PathVariable String parentId, @RequestBody AllowList body,
            HttpServletRequest request) {
        Validation.id("parentId", parentId);
        String child = Activity.childId(parentId, AdminSupport.stage(body.stage()));
        String reason = AdminSupport.reason(body.reason());
        if (body.actIds() == null || body.actIds().isEmpty()
                || body.actIds().size() > ALLOW_LIST_BATCH_MAX) {
            throw invalid("actIds: 1-" + ALLOW_LIST_BATCH_MAX + " ids");
        }
        body.actIds().forEach(actId -> Validation.id("actIds[]", actId));
        if (!changes.read((store, connection) -> store.activityExists(connection, child))) {
            throw ApiException.notFound(ErrorCode.UNKNOWN_ACTIVITY, "no child " + child);
        }
        changes.apply((store, connection) -> {
            store.allow(connection, child, body.actIds());
            changes.audit(request, "ALLOW_LIST", child, null, body.actIds().size() + " actIds",
                    reason);
            return null;
        });
        return body;
    }

    /** The parent's row, unless it is missing or has ended (then {@code ended} says why). */
    private static CatalogStore.ParentRow changeableParent(
            Optional<CatalogStore.ParentRow> row, String parentId, String ended) {
        CatalogStore.ParentRow parent = row.orElseThrow(() -> unknownParent(parentId));
        if ("ENDED".equals(parent.status())) {
            throw new ApiException(HttpStatus.CONFLICT, ErrorCode.INVALID_FIELD,
                    parentId + " has ended; an ended activity " + ended);
        }
        return parent;
    }

    private static int grayPercent(int percent) {
        if (percent < 0 || percent > 100) {
            throw invalid("grayPercent is 0-100");
        }
        return percent;
    }

    private static ApiException unknownParent(String parentId) {
        return ApiException.notFound(ErrorCode.UNKNOWN_ACTIVITY, "no parent activity "
                + parentId);
    }

    private static ApiException invalid(String detail) {
        return ApiException.badRequest(ErrorCode.INVALID_FIELD, detail);
    }
}
