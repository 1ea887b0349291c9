package dev.redrain.issuance.admin;

import dev.redrain.issuance.activity.Activity;
import dev.redrain.issuance.activity.CatalogRefresher;
import dev.redrain.issuance.activity.Rain;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import dev.redrain.issuance.web.Validation;
import jakarta.servlet.http.HttpServletRequest;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
 * Operators schedule the rains of an activity: an id, an opening window and the scenes that
 * take part, each granting one award type. Grabs can name only these (runbooks/rains.md).
 * A rain may be extended (a later close, more scenes) but never changed under tokens it has
 * granted: a scene keeps its award type, and a rain that has opened keeps its opening time.
 * A cancelled rain takes no grabs again. Every change is one transaction with its audit row.
 */
@RestController
class RainAdminController {
    /** The longest window a rain may have: a rain is minutes of a festival, not a season. */
    static final Duration WINDOW_MAX = Duration.ofDays(7);
    static final int SCENES_MAX = 64;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final CatalogRefresher catalog;
    private final Clock clock;

    RainAdminController(JdbcTemplate jdbc, TransactionTemplate transactions,
            CatalogRefresher catalog, Clock clock) {
        this.clock = clock;
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.catalog = catalog;
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
        return catalog.current().rains(parentId).stream()
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
        transactions.executeWithoutResult(status -> {
            List<Scheduled> existing = jdbc.query("SELECT opens_at, closes_at, status FROM rain"
                    + " WHERE parent_activity_id = ? AND rain_id = ? FOR UPDATE",
                    (rs, row) -> new Scheduled(rs.getTimestamp(1).toInstant(),
                            rs.getTimestamp(2).toInstant(), rs.getString(3)), parentId, rainId);
            if (existing.isEmpty()) {
                create(parentId, rainId, body, scenes, reason, request);
            } else {
                extend(parentId, rainId, existing.get(0), body, scenes, reason, request);
            }
        });
        return RainView.of(reloaded(parentId, rainId));
    }

    @PostMapping("/admin/activities/{parentId}/rains/{rainId}/cancel")
    RainView cancel(@PathVariable String parentId, @PathVariable String rainId,
            @RequestBody Reason body, HttpServletRequest request) {
        parent(parentId);
        Validation.id("rainId", rainId);
        String reason = AdminSupport.reason(body.reason());
        transactions.executeWithoutResult(status -> {
            List<String> current = jdbc.queryForList("SELECT status FROM rain WHERE"
                    + " parent_activity_id = ? AND rain_id = ? FOR UPDATE", String.class,
                    parentId, rainId);
            if (current.isEmpty()) {
                throw unknownRain(parentId, rainId);
            }
            if (!current.get(0).equals("CANCELLED")) {
                jdbc.update("UPDATE rain SET status = 'CANCELLED', version = version + 1,"
                        + " updated_at = CURRENT_TIMESTAMP(3) WHERE parent_activity_id = ? AND"
                        + " rain_id = ?", parentId, rainId);
                AdminSupport.audit(jdbc, request, "CANCEL_RAIN", parentId + "/" + rainId,
                        current.get(0), "CANCELLED", reason);
            }
        });
        return RainView.of(reloaded(parentId, rainId));
    }

    private void create(String parentId, String rainId, RainSchedule body,
            Map<String, String> scenes, String reason, HttpServletRequest request) {
        jdbc.update("INSERT INTO rain (parent_activity_id, rain_id, opens_at, closes_at) VALUES"
                + " (?, ?, ?, ?)", parentId, rainId, Timestamp.from(body.opensAt()),
                Timestamp.from(body.closesAt()));
        scenes.forEach((scene, type) -> jdbc.update("INSERT INTO rain_scene"
                + " (parent_activity_id, rain_id, scene_id, award_type) VALUES (?, ?, ?, ?)",
                parentId, rainId, scene, type));
        AdminSupport.audit(jdbc, request, "SCHEDULE_RAIN", parentId + "/" + rainId, null,
                describe(body.opensAt(), body.closesAt(), scenes), reason);
    }

    /** A rain's row as it is now. */
    private record Scheduled(Instant opensAt, Instant closesAt, String status) {
    }

    private void extend(String parentId, String rainId, Scheduled row, RainSchedule body,
            Map<String, String> scenes, String reason, HttpServletRequest request) {
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
        Map<String, String> declared = new TreeMap<>();
        jdbc.query("SELECT scene_id, award_type FROM rain_scene WHERE parent_activity_id = ?"
                + " AND rain_id = ?", rs -> {
                    declared.put(rs.getString(1), rs.getString(2));
                }, parentId, rainId);
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
        jdbc.update("UPDATE rain SET opens_at = ?, closes_at = ?, version = version + 1,"
                + " updated_at = CURRENT_TIMESTAMP(3) WHERE parent_activity_id = ? AND"
                + " rain_id = ?", Timestamp.from(body.opensAt()), Timestamp.from(body.closesAt()),
                parentId, rainId);
        added.forEach((scene, type) -> jdbc.update("INSERT INTO rain_scene"
                + " (parent_activity_id, rain_id, scene_id, award_type) VALUES (?, ?, ?, ?)",
                parentId, rainId, scene, type));
        AdminSupport.audit(jdbc, request, "EXTEND_RAIN", parentId + "/" + rainId,
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
            if (jdbc.queryForList("SELECT 1 FROM award_type WHERE award_type = ?",
                    Integer.class, type).isEmpty()) {
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
        return catalog.current().activity(parentId).filter(Activity::isParent).orElseThrow(() ->
                ApiException.notFound(ErrorCode.UNKNOWN_ACTIVITY, "no parent activity "
                        + parentId));
    }

    private Rain reloaded(String parentId, String rainId) {
        return catalog.reload().rain(parentId, rainId)
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
