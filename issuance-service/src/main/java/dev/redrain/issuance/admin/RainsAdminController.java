package dev.redrain.issuance.admin;

import dev.redrain.core.catalog.Activity;
import dev.redrain.core.catalog.CatalogStore;
import dev.redrain.core.catalog.Rain;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import dev.redrain.issuance.web.Validation;
import jakarta.servlet.http.HttpServletRequest;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Operators schedule the rains of an activity: an id, an opening window and the scenes that
 * take part, each granting one award type. Grabs can name only these (runbooks/rains.md).
 * A rain may be extended (a later close, more scenes) but never changed under tokens it has
 * granted: a scene keeps its award type, and a rain that has opened keeps its opening time.
 * A cancelled rain takes no grabs again. Every change is one transaction with its audit row.
 */
@RestController
class RainsAdminController {
    /** The longest window a rain may have: a rain is minutes of a festival, not a season. */
    static final Duration WINDOW_MAX = Duration.ofDays(7);
    static final int SCENES_MAX = 64;

    private final CatalogChanges changes;
    private final Clock clock;

    RainsAdminController(CatalogChanges changes, Clock clock) {
        this.changes = changes;
        this.clock = clock;
    }

    record Scene(String sceneId, String awardType) {
    }

    record RainSchedule(Instant opensAt, Instant closesAt, List<Scene> scenes, String reason) {
    }

    record Reason(String reason) {
    }

    record RainView(String rainId, Instant opensAt, Instant closesAt, String status,
            Map<String, String> awardTypeByScene) {
        static RainView of(Rain rain) {
            return new RainView(rain.rainId(), rain.opensAt(), rain.closesAt(),
                    rain.cancelled() ? "CANCELLED" : "SCHEDULED",
                    new TreeMap<>(rain.awardTypeByScene()));
        }
    }

    @GetMapping("/admin/activities/{parentId}/rains")
    List<RainView> rains(@PathVariable String parentId) {
        parent(parentId);
        return changes.catalog().current().rains(parentId).stream()
                .sorted(Comparator.comparing(Rain::opensAt).thenComparing(Rain::rainId))
                .map(RainView::of).toList();
    }

    /** Schedules a rain, or extends one; the same schedule again changes nothing. */
    @PutMapping("/admin/activities/{parentId}/rains/{rainId}")
    RainView schedule(@PathVariable String parentId, @PathVariable String rainId,
            @RequestBody RainSchedule requested, HttpServletRequest request) {
        RainSchedule body = seconds(requested);
        parent(parentId);
        Validation.id("rainId", rainId);
        String reason = AdminSupport.reason(body.reason());
        Map<String, String> scenes = scenes(body.scenes());
        if (body.opensAt() == null || body.closesAt() == null
                || !body.closesAt().isAfter(body.opensAt())
                || Duration.between(body.opensAt(), body.closesAt()).compareTo(WINDOW_MAX) > 0) {
            throw invalid("opensAt and closesAt are required, closesAt after opensAt, at most "
                    + WINDOW_MAX.toDays() + " days apart");
        }
        changes.apply((store, connection) -> {
            Optional<CatalogStore.RainRow> existing = store.lockRain(connection, parentId,
                    rainId);
            if (existing.isEmpty()) {
                store.createRain(connection, parentId, rainId, body.opensAt(), body.closesAt(),
                        scenes);
                changes.audit(request, "SCHEDULE_RAIN", parentId + "/" + rainId, null,
                        describe(body.opensAt(), body.closesAt(), scenes), reason);
            } else {
                extend(store, connection, parentId, rainId, existing.get(), body, scenes,
                        reason, request);
            }
            return null;
        });
        return RainView.of(declared(parentId, rainId));
    }

    @PostMapping("/admin/activities/{parentId}/rains/{rainId}/cancel")
    RainView cancel(@PathVariable String parentId, @PathVariable String rainId,
            @RequestBody Reason body, HttpServletRequest request) {
        parent(parentId);
        Validation.id("rainId", rainId);
        String reason = AdminSupport.reason(body.reason());
        changes.apply((store, connection) -> {
            CatalogStore.RainRow current = store.lockRain(connection, parentId, rainId)
                    .orElseThrow(() -> unknownRain(parentId, rainId));
            if (!current.status().equals("CANCELLED")) {
                store.cancelRain(connection, parentId, rainId);
                changes.audit(request, "CANCEL_RAIN", parentId + "/" + rainId,
                        current.status(), "CANCELLED", reason);
            }
            return null;
        });
        return RainView.of(declared(parentId, rainId));
    }

    private void extend(CatalogStore store, Connection connection, String parentId,
            String rainId, CatalogStore.RainRow row, RainSchedule body, Map<String, String> scenes,
            String reason, HttpServletRequest request) throws SQLException {
        Instant opensAt = row.opensAt();
        Instant closesAt = row.closesAt();
        if ("CANCELLED".equals(row.status())) {
            throw conflict("rain " + rainId + " was cancelled; schedule a new rain id");
        }
        boolean opened = !clock.instant().isBefore(opensAt);
        if (opened && !opensAt.equals(body.opensAt())) {
            throw conflict("rain " + rainId + " has opened at " + opensAt
                    + "; its opening cannot move");
        }
        if (opened && body.closesAt().isBefore(closesAt)) {
            throw conflict("rain " + rainId + " has opened; it can close later, not earlier"
                    + " (cancel it to stop it)");
        }
        Map<String, String> declared = store.scenes(connection, parentId, rainId);
        declared.forEach((scene, type) -> {
            if (!type.equals(scenes.get(scene))) {
                throw conflict("scene " + scene + " of rain " + rainId + " grants " + type
                        + "; a scene is never removed or given another award type");
            }
        });
        Map<String, String> added = new TreeMap<>(scenes);
        added.keySet().removeAll(declared.keySet());
        if (added.isEmpty() && opensAt.equals(body.opensAt())
                && closesAt.equals(body.closesAt())) {
            return; // the same schedule again
        }
        store.extendRain(connection, parentId, rainId, body.opensAt(), body.closesAt(), added);
        changes.audit(request, "EXTEND_RAIN", parentId + "/" + rainId,
                describe(opensAt, closesAt, declared), describe(body.opensAt(), body.closesAt(),
                        scenes), reason);
    }

    /**
     * The schedule in whole seconds: what every supported database and driver keeps
     * (mysql-connector-j sends no fractional seconds to MariaDB, whose handshake reports a
     * 5.5 version), so the same schedule sent again compares equal.
     */
    private static RainSchedule seconds(RainSchedule body) {
        return new RainSchedule(body.opensAt() == null ? null
                : body.opensAt().truncatedTo(ChronoUnit.SECONDS), body.closesAt() == null ? null
                : body.closesAt().truncatedTo(ChronoUnit.SECONDS), body.scenes(), body.reason());
    }

    /** The scenes, checked: ids, no repeats, known award types. */
    private Map<String, String> scenes(List<Scene> scenes) {
        if (scenes == null || scenes.isEmpty() || scenes.size() > SCENES_MAX) {
            throw invalid("scenes is required: 1-" + SCENES_MAX + " of {sceneId, awardType}");
        }
        Map<String, String> byId = new LinkedHashMap<>();
        for (Scene scene : scenes) {
            if (scene == null) {
                throw invalid("a scene is {sceneId, awardType}");
            }
            String id = Validation.id("sceneId", scene.sceneId());
            String type = Validation.id("awardType", scene.awardType());
            if (changes.read((store, connection) -> store.assetOf(connection, type)).isEmpty()) {
                throw ApiException.notFound(ErrorCode.UNKNOWN_AWARD_TYPE, "no award type "
                        + type);
            }
            if (byId.put(id, type) != null) {
                throw invalid("scene " + id + " appears twice");
            }
        }
        return byId;
    }

    private Activity parent(String parentId) {
        Validation.id("parentId", parentId);
        return changes.catalog().current().activity(parentId).filter(Activity::isParent)
                .orElseThrow(() ->
                ApiException.notFound(ErrorCode.UNKNOWN_ACTIVITY, "no parent activity "
                        + parentId));
    }

    private Rain declared(String parentId, String rainId) {
        return changes.catalog().current().rain(parentId, rainId)
                .orElseThrow(() -> unknownRain(parentId, rainId));
    }

    private static String describe(Instant opensAt, Instant closesAt, Map<String, String> scenes) {
        return opensAt + ".." + closesAt + " " + new TreeMap<>(scenes);
    }

    private static ApiException unknownRain(String parentId, String rainId) {
        return ApiException.notFound(ErrorCode.UNKNOWN_RAIN, "activity " + parentId
                + " has no rain " + rainId);
    }

    private static ApiException conflict(String detail) {
        return new ApiException(HttpStatus.CONFLICT, ErrorCode.RAIN_CONFLICT, detail);
    }

    private static ApiException invalid(String detail) {
        return ApiException.badRequest(ErrorCode.INVALID_FIELD, detail);
    }
}
