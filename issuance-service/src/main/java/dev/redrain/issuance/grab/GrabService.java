package dev.redrain.issuance.grab;

import dev.redrain.core.activity.Outcome;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.ids.IdempotencyKey;
import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.money.Money;
import dev.redrain.core.token.GrantProof;
import dev.redrain.core.token.RedPacketToken;
import dev.redrain.core.token.TokenCodec;
import dev.redrain.core.token.TokenStatus;
import dev.redrain.issuance.account.AccountService;
import dev.redrain.issuance.activity.Activity;
import dev.redrain.issuance.activity.Catalog;
import dev.redrain.issuance.activity.CatalogRefresher;
import dev.redrain.issuance.activity.Rain;
import dev.redrain.issuance.activity.Template;
import dev.redrain.issuance.budget.BudgetGuard;
import dev.redrain.issuance.budget.BudgetNotLoadedException;
import dev.redrain.issuance.budget.BudgetReleaser;
import dev.redrain.issuance.budget.BudgetStore;
import dev.redrain.issuance.budget.Reservation;
import dev.redrain.issuance.config.IssuanceProperties;
import dev.redrain.issuance.events.EventPublisher;
import dev.redrain.issuance.ops.Switches;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * One grab: find the live stage, admit the user, then under the idempotency key reserve budget
 * (falling back along the template chain), seal the token, commit answer and token to Redis,
 * and record the TokenIssued event. The same key always gets the same answer; budget is only
 * ever reserved once per answered key (a reservation whose answer lost a race is returned).
 */
@Service
public class GrabService {
    /** How long a duplicate waits for the first request's answer before giving up. */
    static final Duration DUPLICATE_WAIT_MAX = Duration.ofSeconds(3);
    private static final long DUPLICATE_POLL_MS = 5;

    private final CatalogRefresher catalog;
    private final AccountService accounts;
    private final BudgetStore budgets;
    private final BudgetReleaser releaser;
    private final BudgetGuard guard;
    private final GrabStore store;
    private final TokenCodec codec;
    private final GrantProof grantProof;
    private final OutTradeNoGenerator outTradeNos;
    private final EventPublisher publisher;
    private final Switches switches;
    private final IssuanceProperties properties;
    private final Clock clock;
    private final ZoneId businessZone;
    private final MeterRegistry meters;
    private final RateLimiter rateLimiter;
    /** Looked up once: a registry lookup per grab showed in the grab benchmark's profile. */
    private final Map<Outcome, Counter> grabCounters = new EnumMap<>(Outcome.class);

    GrabService(RateLimiter rateLimiter, CatalogRefresher catalog, AccountService accounts,
            BudgetStore budgets, BudgetReleaser releaser,
            BudgetGuard guard, GrabStore store, TokenCodec codec, GrantProof grantProof,
            OutTradeNoGenerator outTradeNos,
            EventPublisher publisher, Switches switches, IssuanceProperties properties,
            Clock clock, MeterRegistry meters) {
        this.catalog = catalog;
        this.accounts = accounts;
        this.budgets = budgets;
        this.releaser = releaser;
        this.guard = guard;
        this.store = store;
        this.codec = codec;
        this.grantProof = grantProof;
        this.outTradeNos = outTradeNos;
        this.publisher = publisher;
        this.switches = switches;
        this.properties = properties;
        this.clock = clock;
        this.businessZone = ZoneId.of(properties.businessZone());
        this.meters = meters;
        this.rateLimiter = rateLimiter;
        for (Outcome outcome : Outcome.values()) {
            grabCounters.put(outcome, meters.counter("redrain.grabs", "outcome", outcome.name()));
        }
    }

    public GrabAnswer grab(GrabCommand command) {
        Instant now = clock.instant();
        Catalog snapshot = catalog.current();
        Activity parent = snapshot.activity(command.activityId()).filter(Activity::isParent)
                .orElseThrow(() -> ApiException.notFound(ErrorCode.UNKNOWN_ACTIVITY,
                        "no activity " + command.activityId()));
        Activity child = parent.liveStage() == null ? null
                : snapshot.child(parent, parent.liveStage()).orElse(null);
        if (child == null || !parent.isLive(now) || !child.isLive(now)) {
            throw new ApiException(HttpStatus.CONFLICT, ErrorCode.ACTIVITY_NOT_LIVE,
                    "activity " + parent.activityId() + " does not take grabs now");
        }
        String awardType = declaredAwardType(snapshot, parent, command, now);
        if (switches.isOn(Switches.sceneClosed(parent.activityId(), command.sceneId()))) {
            throw new ApiException(HttpStatus.CONFLICT, ErrorCode.SCENE_CLOSED,
                    "scene " + command.sceneId() + " is closed");
        }
        Template entry = snapshot.entryTemplate(child, awardType)
                .orElseThrow(() -> ApiException.notFound(ErrorCode.UNKNOWN_AWARD_TYPE,
                        "stage " + child.stage() + " of " + parent.activityId()
                                + " has no entry template of award type " + awardType));
        if (guard.state() != BudgetGuard.State.LIVE) {
            throw budgetUnavailable("budgets are not loaded in Redis (" + guard.state() + ")");
        }
        String actId = accounts.bind(command.appId(), command.userId());
        if (!Admission.admits(parent, child, actId)) {
            throw new ApiException(HttpStatus.FORBIDDEN, ErrorCode.NOT_ADMITTED,
                    "stage " + child.stage() + " of " + parent.activityId()
                            + " does not admit this user");
        }
        rateLimiter.check(actId, parent.activityId(), child.stage(), command.sceneId());
        IdempotencyKey key = new IdempotencyKey(actId, command.sceneId(), command.rainId(),
                entry.awardType(), child.stage());
        String recordId = recordId(parent.activityId(), key.value());
        // Unique among concurrent requests for one key; not a secret (no SecureRandom lock).
        String claimId = Long.toHexString(ThreadLocalRandom.current().nextLong())
                + Long.toHexString(System.nanoTime());
        List<Template> chain = snapshot.fallbackChain(entry);
        if (switches.isOn(Switches.fallbackOnly(parent.activityId()))) {
            chain = chain.subList(Math.min(1, chain.size()), chain.size());
        }
        // The claim (user's slot) and the first template's home-shard reservation (budget
        // slot) go out together: one round trip's wait instead of two. In the rare case the
        // claim finds the key answered or in progress, the reservation goes back.
        Template first = chain.isEmpty() ? null : chain.get(0);
        long firstDraw = first == null ? 0 : draw(first);
        CompletableFuture<GrabStore.ClaimResult> claimed = store.claimAsync(actId, recordId,
                claimId, properties.grabClaimTtl());
        CompletableFuture<Optional<Reservation>> home = first == null ? null
                : budgets.reserveHomeAsync(first, actId, firstDraw);
        GrabStore.ClaimResult claim;
        try {
            claim = await(claimed);
        } catch (RuntimeException e) {
            // No claim, so no commit: a reservation made meanwhile goes back.
            releaseWhenReserved(first, home);
            throw e;
        }
        if (!(claim instanceof GrabStore.Claimed)) {
            releaseWhenReserved(first, home);
            return claim instanceof GrabStore.Answered answered ? answered.answer()
                    : awaitAnswer(actId, recordId);
        }
        Optional<Reservation> early;
        try {
            early = home == null ? null : await(home);
        } catch (BudgetNotLoadedException e) {
            abandonQuietly(actId, recordId, claimId);
            guard.check();
            throw budgetUnavailable(e.getMessage());
        } catch (RuntimeException e) {
            // The reservation's outcome is unknown: it stays spent (never an overspend).
            abandonQuietly(actId, recordId, claimId);
            throw e;
        }
        return issue(command, parent, child, entry, actId, key, recordId, claimId, snapshot,
                now, chain, early);
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

    /** Waits for a Redis future, rethrowing its own exception. */
    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            // A broken connection's bare I/O exception: a Redis failure (503), not a 500.
            throw new io.lettuce.core.RedisException(e.getCause());
        }
    }

    private void releaseWhenReserved(Template template,
            CompletableFuture<Optional<Reservation>> home) {
        if (home == null) {
            return;
        }
        try {
            await(home).ifPresent(reservation -> releaseQuietly(template, reservation));
        } catch (RuntimeException unknown) {
            // Unknown outcome: stays spent.
        }
    }


    /**
     * The Redis record of an idempotency key, scoped by the parent activity: the published key
     * does not name the activity, and two activities may use the same scene and rain names.
     */
    static String recordId(String parentActivityId, String idempotencyKey) {
        return parentActivityId + ":" + idempotencyKey;
    }

    /**
     * @param early the first template's home-shard attempt made with the claim: a reservation,
     *     empty when that shard could not pay, null when it was not tried
     */
    private GrabAnswer issue(GrabCommand command, Activity parent, Activity child, Template entry,
            String actId, IdempotencyKey key, String recordId, String claimId, Catalog snapshot,
            Instant now, List<Template> chain, Optional<Reservation> early) {
        Template granted = null;
        Reservation reservation = null;
        // False once the commit may have happened: after an unknown commit outcome (a Redis
        // timeout) the reservation stays spent, because giving it back could overspend.
        boolean mayRelease = true;
        boolean committed = false;
        try {
            for (int i = 0; i < chain.size(); i++) {
                Template template = chain.get(i);
                if (i == 0 && early != null && early.isPresent()) {
                    granted = template;
                    reservation = early.get();
                    break;
                }
                var reserved = budgets.reserve(template, actId, draw(template));
                if (reserved.isPresent()) {
                    granted = template;
                    reservation = reserved.get();
                    break;
                }
            }
            GrabAnswer answer;
            Outcome outcome;
            if (reservation == null) {
                outcome = Outcome.EMPTY;
                answer = new GrabAnswer(outcome, entry.templateId(), entry.awardType(), 0,
                        entry.currency(), null, null, actId);
            } else {
                outcome = granted == entry ? Outcome.AWARDED : Outcome.FALLBACK;
                String outTradeNo = outTradeNos.next();
                Money amount = Money.of(reservation.amountMinor(), granted.currency());
                String token = codec.seal(new RedPacketToken(command.appId(), actId,
                        child.activityId(), command.sceneId(), command.rainId(),
                        granted.awardType(), child.stage(), amount, outTradeNo, now,
                        TokenStatus.ISSUED));
                answer = new GrabAnswer(outcome, granted.templateId(), granted.awardType(),
                        amount.amountMinor(), amount.currency(), outTradeNo, token, actId);
            }
            TokenIssued event = event(command, parent, child, entry, granted, key, answer, now);
            Map<String, String> tokenFields = event.hasToken()
                    ? GrabStore.tokenFields(event, TokenStatus.ISSUED.name()) : Map.of();
            mayRelease = false;
            GrabAnswer other;
            try {
                other = store.commit(actId, recordId, claimId, answer, tokenFields,
                        properties.grabRecordTtl());
            } catch (GrabStore.ClaimLostException e) {
                mayRelease = true;
                throw e;
            }
            if (other != null) {
                // Another request answered this key first (our claim had expired): its answer
                // stands and our reservation goes back.
                releaseQuietly(granted, reservation);
                return other;
            }
            committed = true;
            publisher.publish(event, switches.isOn(Switches.OUTBOX_ONLY));
            grabCounters.get(outcome).increment();
            return answer;
        } catch (BudgetNotLoadedException e) {
            guard.check();
            throw budgetUnavailable(e.getMessage());
        } catch (GrabStore.ClaimLostException e) {
            throw new ApiException(HttpStatus.CONFLICT, ErrorCode.GRAB_IN_PROGRESS,
                    "the grab took too long; retry with the same request", Duration.ofSeconds(1));
        } finally {
            if (!committed) {
                if (mayRelease) {
                    releaseQuietly(granted, reservation);
                }
                abandonQuietly(actId, recordId, claimId);
            }
        }
    }

    private GrabAnswer awaitAnswer(String actId, String recordId) {
        long deadline = System.nanoTime() + DUPLICATE_WAIT_MAX.toNanos();
        while (System.nanoTime() < deadline) {
            GrabAnswer answer = store.answer(actId, recordId);
            if (answer != null) {
                return answer;
            }
            try {
                Thread.sleep(DUPLICATE_POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new ApiException(HttpStatus.CONFLICT, ErrorCode.GRAB_IN_PROGRESS,
                "the same grab is being answered; retry with the same request",
                Duration.ofSeconds(1));
    }

    private void abandonQuietly(String actId, String recordId, String claimId) {
        try {
            store.abandon(actId, recordId, claimId);
        } catch (RuntimeException e) {
            // The claim expires by itself after the claim TTL.
        }
    }

    /** Gives the reservation back; retried in the background when Redis does not answer. */
    private void releaseQuietly(Template template, Reservation reservation) {
        releaser.release(template, reservation);
    }

    private static long draw(Template template) {
        return switch (template.rule()) {
            case FIXED -> template.fixedAmountMinor();
            case UNIFORM -> ThreadLocalRandom.current().nextLong(template.minAmountMinor(),
                    template.maxAmountMinor() + 1);
            case POOL -> 0;
        };
    }

    private TokenIssued event(GrabCommand command, Activity parent, Activity child,
            Template entry, Template granted, IdempotencyKey key, GrabAnswer answer,
            Instant now) {
        boolean award = answer.outTradeNo() != null;
        LocalDate businessDate = award ? OutTradeNoGenerator.businessDate(answer.outTradeNo())
                : LocalDate.ofInstant(now, businessZone);
        String eventId = award ? "issued-" + answer.outTradeNo()
                : "empty-" + recordId(parent.activityId(), key.value());
        TokenIssued event = new TokenIssued(eventId, answer.outTradeNo(), key.value(),
                command.appId(), answer.actId(), parent.activityId(), child.activityId(),
                child.stage(), command.sceneId(), command.rainId(), entry.templateId(),
                award ? granted.templateId() : entry.templateId(), answer.awardType(),
                answer.outcome(), answer.amountMinor(), answer.currency(), now, businessDate,
                null);
        return award ? event.withGrantProof(grantProof.sign(event.grant())) : event;
    }

    private static ApiException budgetUnavailable(String detail) {
        return ApiException.unavailable(ErrorCode.BUDGET_UNAVAILABLE, detail,
                Duration.ofSeconds(5));
    }
}
