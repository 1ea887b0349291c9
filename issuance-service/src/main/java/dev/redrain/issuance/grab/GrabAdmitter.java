package dev.redrain.issuance.grab;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.catalog.Activity;
import dev.redrain.core.catalog.Rain;
import dev.redrain.core.catalog.Template;
import dev.redrain.core.ids.IdempotencyKey;
import dev.redrain.issuance.account.AccountService;
import dev.redrain.issuance.activity.Catalog;
import dev.redrain.issuance.activity.CatalogRefresher;
import dev.redrain.issuance.budget.BudgetGuard;
import dev.redrain.issuance.ops.Switches;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * The first step of a grab: from what the client sent to an {@link AdmittedGrab}, or a
 * refusal. The client names a rain and a scene; both must be declared by an operator for the
 * activity's live stage and open now, and the award type is the scene's own. Nothing here
 * touches budget.
 */
@Component
class GrabAdmitter {
    /** Refusals of a grab that closed: a request asked again still gets its answer. */
    private static final Set<ErrorCode> CLOSED = EnumSet.of(ErrorCode.ACTIVITY_NOT_LIVE,
            ErrorCode.RAIN_NOT_OPEN, ErrorCode.SCENE_CLOSED);

    private final CatalogRefresher catalog;
    private final AccountService accounts;
    private final RateLimiter rateLimiter;
    private final Switches switches;
    private final BudgetGuard guard;
    private final Clock clock;

    GrabAdmitter(CatalogRefresher catalog, AccountService accounts, RateLimiter rateLimiter,
            Switches switches, BudgetGuard guard, Clock clock) {
        this.catalog = catalog;
        this.accounts = accounts;
        this.rateLimiter = rateLimiter;
        this.switches = switches;
        this.guard = guard;
        this.clock = clock;
    }

    /** What admission decided: the grab goes ahead, or its activity, rain or scene closed. */
    sealed interface Decision permits Admitted, Closed {
    }

    record Admitted(AdmittedGrab grab) implements Decision {
    }

    /**
     * Refused because the grab closed. {@code answeredKey} is the record a request asked again
     * may already have an answer under (empty when the user has no account or the scene no
     * award type): then that answer is given instead of the refusal.
     */
    record Closed(ApiException refusal, Optional<RecordKey> answeredKey) implements Decision {
    }

    /** Where a grab's answer is kept: the user's account and the record of the key. */
    record RecordKey(String actId, String recordId) {
    }

    Decision admit(GrabCommand command) {
        Instant now = clock.instant();
        Catalog snapshot = catalog.current();
        Activity parent = snapshot.activity(command.activityId()).filter(Activity::isParent)
                .orElseThrow(() -> ApiException.notFound(ErrorCode.UNKNOWN_ACTIVITY,
                        "no activity " + command.activityId()));
        Activity child = parent.liveStage() == null ? null
                : snapshot.child(parent, parent.liveStage()).orElse(null);
        String awardType;
        try {
            awardType = takingGrabs(snapshot, parent, child, command, now);
        } catch (ApiException refusal) {
            if (!CLOSED.contains(refusal.code())) {
                throw refusal;
            }
            return new Closed(refusal, answeredKey(snapshot, parent, child, command));
        }
        Template entry = snapshot.entryTemplate(child, awardType)
                .orElseThrow(() -> ApiException.notFound(ErrorCode.UNKNOWN_AWARD_TYPE,
                        "stage " + child.stage() + " of " + parent.activityId()
                                + " has no entry template of award type " + awardType));
        if (guard.state() != BudgetGuard.State.LIVE) {
            throw budgetUnavailable("budgets are not loaded in Redis (" + guard.state() + ")");
        }
        String actId = admittedUser(parent, child, command);
        IdempotencyKey key = new IdempotencyKey(actId, command.sceneId(), command.rainId(),
                entry.awardType(), child.stage());
        return new Admitted(new AdmittedGrab(command, parent, child, entry, actId, key,
                AdmittedGrab.recordId(parent.activityId(), key),
                chain(snapshot, parent, entry), now));
    }

    /** The user's account, once the stage admits them and they are within the rate limit. */
    private String admittedUser(Activity parent, Activity child, GrabCommand command) {
        String actId = accounts.bind(command.appId(), command.userId());
        if (!Admission.admits(parent, child, actId)) {
            throw new ApiException(HttpStatus.FORBIDDEN, ErrorCode.NOT_ADMITTED,
                    "stage " + child.stage() + " of " + parent.activityId()
                            + " does not admit this user");
        }
        rateLimiter.check(actId, parent.activityId(), child.stage(), command.sceneId());
        return actId;
    }

    /**
     * The templates to try, entry first (skipped while fallback-only is on). A template whose
     * budget shards Redis lost refuses the grab before any reservation: it grants again once
     * they are restored.
     */
    private List<Template> chain(Catalog snapshot, Activity parent, Template entry) {
        List<Template> chain = snapshot.fallbackChain(entry);
        if (switches.isOn(Switches.fallbackOnly(parent.activityId()))) {
            chain = chain.subList(Math.min(1, chain.size()), chain.size());
        }
        for (Template template : chain) {
            if (guard.degraded(template.templateId())) {
                throw budgetUnavailable("template " + template.templateId() + " lost budget"
                        + " shards in Redis; it grants again once they are restored");
            }
        }
        return chain;
    }

    /**
     * The award type the grab asks for, if the activity, its live stage, the rain and the
     * scene take grabs now; else the refusal.
     */
    private String takingGrabs(Catalog snapshot, Activity parent, Activity child,
            GrabCommand command, Instant now) {
        if (child == null || !parent.isLive(now) || !child.isLive(now)) {
            throw new ApiException(HttpStatus.CONFLICT, ErrorCode.ACTIVITY_NOT_LIVE,
                    "activity " + parent.activityId() + " does not take grabs now");
        }
        String awardType = declaredAwardType(snapshot, parent, command, now);
        if (switches.isOn(Switches.sceneClosed(parent.activityId(), command.sceneId()))) {
            throw new ApiException(HttpStatus.CONFLICT, ErrorCode.SCENE_CLOSED,
                    "scene " + command.sceneId() + " is closed");
        }
        return awardType;
    }

    /**
     * The award type the grab's scene grants. The client names a rain and a scene; both must
     * be declared by an operator for this activity, the rain open now, and an award type the
     * client gives must be the scene's own: a client chooses nothing that decides money.
     */
    private static String declaredAwardType(Catalog snapshot, Activity parent,
            GrabCommand command, Instant now) {
        Rain rain = snapshot.rain(parent.activityId(), command.rainId())
                .orElseThrow(() -> ApiException.notFound(ErrorCode.UNKNOWN_RAIN,
                        "activity " + parent.activityId() + " has no rain " + command.rainId()));
        String awardType = rain.awardTypeByScene().get(command.sceneId());
        if (awardType == null) {
            throw ApiException.notFound(ErrorCode.UNKNOWN_SCENE, "rain " + rain.rainId()
                    + " has no scene " + command.sceneId());
        }
        if (!rain.isOpen(now)) {
            throw new ApiException(HttpStatus.CONFLICT, ErrorCode.RAIN_NOT_OPEN, "rain "
                    + rain.rainId() + (rain.cancelled() ? " was cancelled" : " takes grabs from "
                            + rain.opensAt() + " to " + rain.closesAt()));
        }
        if (command.awardType() != null && !command.awardType().equals(awardType)) {
            throw ApiException.notFound(ErrorCode.UNKNOWN_AWARD_TYPE, "scene "
                    + command.sceneId() + " of rain " + rain.rainId() + " grants " + awardType
                    + ", not " + command.awardType());
        }
        return awardType;
    }

    /**
     * Where a grab that closed meanwhile may have its answer: a client told to ask again for a
     * grab the service decided (a 503, a dropped connection) gets that answer, as it would
     * have before the close. The record does not depend on the live stage, so this holds after
     * the activity left every stage too. Binds no account.
     */
    private Optional<RecordKey> answeredKey(Catalog snapshot, Activity parent, Activity child,
            GrabCommand command) {
        String awardType = snapshot.rain(parent.activityId(), command.rainId())
                .map(rain -> rain.awardTypeByScene().get(command.sceneId())).orElse(null);
        if (awardType == null || command.awardType() != null
                && !command.awardType().equals(awardType)) {
            return Optional.empty();
        }
        // The stage only completes the key: the record is the same for every stage.
        Stage stage = child == null ? Stage.FORMAL : child.stage();
        return accounts.bound(command.appId(), command.userId()).map(actId -> new RecordKey(
                actId, AdmittedGrab.recordId(parent.activityId(), new IdempotencyKey(actId,
                        command.sceneId(), command.rainId(), awardType, stage))));
    }

    static ApiException budgetUnavailable(String detail) {
        return ApiException.unavailable(ErrorCode.BUDGET_UNAVAILABLE, detail,
                Duration.ofSeconds(5));
    }
}
