package dev.redrain.issuance.grab;

import dev.redrain.core.activity.Outcome;
import dev.redrain.core.event.EventDecodingException;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.ids.IdempotencyKey;
import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.money.Money;
import dev.redrain.core.token.GrantProof;
import dev.redrain.core.token.GrantRejectedException;
import dev.redrain.core.token.RedPacketToken;
import dev.redrain.core.token.TokenCodec;
import dev.redrain.core.token.TokenStatus;
import dev.redrain.issuance.account.AccountService;
import dev.redrain.issuance.activity.Activity;
import dev.redrain.issuance.activity.Catalog;
import dev.redrain.issuance.activity.CatalogRefresher;
import dev.redrain.issuance.activity.Rain;
import dev.redrain.issuance.activity.Template;
import dev.redrain.issuance.activity.UserCaps;
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
import io.lettuce.core.RedisException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
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
    private static final Logger LOG = LoggerFactory.getLogger(GrabService.class);
    /** How long a duplicate waits for the first request's answer before giving up. */
    static final Duration DUPLICATE_WAIT_MAX = Duration.ofSeconds(3);
    /** Refusals of a grab that closed: a request asked again still gets its answer. */
    private static final Set<ErrorCode> CLOSED = EnumSet.of(ErrorCode.ACTIVITY_NOT_LIVE,
            ErrorCode.RAIN_NOT_OPEN, ErrorCode.SCENE_CLOSED);
    private static final long DUPLICATE_POLL_MS = 5;
    /** How long a grab waits for its event to be recorded before it answers 503. */
    static final String RECORD_DEADLINE = "${redrain.grab.record-deadline:3s}";

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
    /** How long a grab waits for its event to be recorded (Kafka or outbox) before a 503. */
    private final Duration recordDeadline;
    private final EventSerde serde = new EventSerde();
    /** Runs before each commit: a test's seam to slow one past its claim's TTL. */
    volatile Runnable beforeCommit = () -> { };
    /**
     * Runs between a commit and the record of its event: a test's seam to die there, as an
     * instance killed at that moment does.
     */
    volatile Runnable afterCommit = () -> { };
    /** Looked up once: a registry lookup per grab showed in the grab benchmark's profile. */
    private final Map<Outcome, Counter> grabCounters = new EnumMap<>(Outcome.class);
    /** Templates a grab skipped because the user reached one of their caps. */
    private final Counter cappedCounter;

    GrabService(RateLimiter rateLimiter, CatalogRefresher catalog, AccountService accounts,
            BudgetStore budgets, BudgetReleaser releaser,
            BudgetGuard guard, GrabStore store, TokenCodec codec, GrantProof grantProof,
            OutTradeNoGenerator outTradeNos,
            EventPublisher publisher, Switches switches, IssuanceProperties properties,
            Clock clock, MeterRegistry meters,
            @Value(RECORD_DEADLINE) Duration recordDeadline) {
        this.recordDeadline = recordDeadline;
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
        this.cappedCounter = meters.counter("redrain.grab.user.capped");
    }

    public GrabAnswer grab(GrabCommand command) {
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
        } catch (ApiException closed) {
            if (!CLOSED.contains(closed.code())) {
                throw closed;
            }
            return answeredBefore(snapshot, parent, child, command).orElseThrow(() -> closed);
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
        for (Template template : chain) {
            if (guard.degraded(template.templateId())) {
                throw budgetUnavailable("template " + template.templateId() + " lost budget"
                        + " shards in Redis; it grants again once they are restored");
            }
        }
        Template first = chain.isEmpty() ? null : chain.get(0);
        long firstDraw = first == null ? 0 : draw(first);
        CompletableFuture<GrabStore.ClaimResult> claimed = store.claimAsync(actId, recordId,
                claimId, properties.grabClaimTtl());
        CompletableFuture<Optional<Reservation>> home = first == null ? null
                : budgets.reserveHomeAsync(first, actId, firstDraw);
        CompletableFuture<Map<String, UserCaps.Granted>> capped = grantedSoFar(actId, chain, now);
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
            return claim instanceof GrabStore.Answered answered
                    ? recorded(actId, recordId, answered.answer(), answered.unrecorded())
                    : recordedAnswer(actId, recordId, awaitAnswer(actId, recordId));
        }
        Optional<Reservation> early;
        try {
            early = home == null ? null : await(home);
        } catch (BudgetNotLoadedException e) {
            abandonQuietly(actId, recordId, claimId);
            guard.shardMissing(e.templateId());
            throw budgetUnavailable(e.getMessage());
        } catch (RuntimeException e) {
            // The reservation's outcome is unknown: it stays spent (never an overspend).
            abandonQuietly(actId, recordId, claimId);
            throw e;
        }
        return issue(new Claim(command, parent, child, entry, actId, key, recordId, claimId,
                now), chain, early, capped.join());
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
     * The answer a grab already has, for a request that would now be refused because its
     * activity, rain or scene closed meanwhile: a client told to ask again for a grab the
     * service decided (a 503, a dropped connection) gets that answer, as it would have before
     * the close. Empty when the key has no answer; binds no account and grants nothing.
     */
    private Optional<GrabAnswer> answeredBefore(Catalog snapshot, Activity parent,
            Activity child, GrabCommand command) {
        String awardType = child == null ? null : snapshot.rain(parent.activityId(),
                command.rainId()).map(rain -> rain.awardTypeByScene().get(command.sceneId()))
                .orElse(null);
        if (awardType == null || command.awardType() != null
                && !command.awardType().equals(awardType)) {
            return Optional.empty();
        }
        Optional<String> actId = accounts.bound(command.appId(), command.userId());
        if (actId.isEmpty()) {
            return Optional.empty();
        }
        String recordId = recordId(parent.activityId(), new IdempotencyKey(actId.get(),
                command.sceneId(), command.rainId(), awardType, child.stage()).value());
        GrabAnswer answer = store.answer(actId.get(), recordId);
        return answer == null ? Optional.empty()
                : Optional.of(recordedAnswer(actId.get(), recordId, answer));
    }

    /**
     * What the user has been granted from the chain's capped templates, read with the claim so a
     * template whose cap is reached is skipped before its budget is reserved. A failed read is
     * no information: the commit enforces the caps either way.
     */
    private CompletableFuture<Map<String, UserCaps.Granted>> grantedSoFar(String actId,
            List<Template> chain, Instant now) {
        List<String> capped = chain.stream().filter(template -> template.userCaps().any())
                .map(Template::templateId).toList();
        if (capped.isEmpty()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        return store.grantedAsync(actId, capped, LocalDate.ofInstant(now, businessZone))
                .exceptionally(unknown -> Map.of());
    }

    /** One claimed grab: what it asks for, whose it is, and the claim it holds. */
    private record Claim(GrabCommand command, Activity parent, Activity child, Template entry,
            String actId, IdempotencyKey key, String recordId, String claimId, Instant now) {
    }

    /**
     * The reservation a grab holds while it tries to commit. {@code releasable} is false once
     * the commit may have happened: after an unknown commit outcome (a Redis timeout) the
     * reservation stays spent, because giving it back could overspend.
     */
    private final class Held {
        private Template template;
        private Reservation reservation;
        private boolean releasable = true;

        void hold(Template heldTemplate, Reservation heldReservation) {
            template = heldTemplate;
            reservation = heldReservation;
        }

        void release() {
            if (reservation != null) {
                releaseQuietly(template, reservation);
            }
            template = null;
            reservation = null;
        }
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
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            // A broken connection's bare I/O exception: a Redis failure (503), not a 500.
            throw new RedisException(e.getCause());
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
     * Tries the chain in order: a template whose user cap is reached, whose budget is gone, or
     * whose commit finds the cap reached (a concurrent grab of the same user) is skipped.
     *
     * @param early the first template's home-shard attempt made with the claim: a reservation,
     *     empty when that shard could not pay, null when it was not tried
     */
    private GrabAnswer issue(Claim claim, List<Template> chain, Optional<Reservation> early,
            Map<String, UserCaps.Granted> grantedSoFar) {
        Held held = new Held();
        boolean committed = false;
        try {
            for (int i = 0; i < chain.size(); i++) {
                Template template = chain.get(i);
                Optional<Reservation> first = i == 0 && early != null ? early : Optional.empty();
                UserCaps.Granted granted = grantedSoFar.get(template.templateId());
                if (granted != null && template.userCaps().reached(granted)) {
                    first.ifPresent(reservation -> releaseQuietly(template, reservation));
                    cappedCounter.increment();
                    continue;
                }
                Optional<Reservation> reserved = first.isPresent() ? first
                        : budgets.reserve(template, claim.actId(), draw(template));
                if (reserved.isEmpty()) {
                    continue;
                }
                held.hold(template, reserved.get());
                GrabAnswer answer = award(claim, template, reserved.get());
                TokenIssued event = event(claim, template, answer);
                byte[] payload = serde.serialize(event);
                GrabStore.CommitResult result = commit(claim, answer, event, payload, held,
                        capCharge(template, answer));
                if (result instanceof GrabStore.Capped) {
                    held.release();
                    cappedCounter.increment();
                    continue;
                }
                committed = result instanceof GrabStore.Committed;
                return answered(claim, answer, event, payload, result, held);
            }
            Template entry = claim.entry();
            GrabAnswer empty = new GrabAnswer(Outcome.EMPTY, entry.templateId(),
                    entry.awardType(), 0, entry.currency(), null, null, claim.actId());
            TokenIssued event = event(claim, null, empty);
            byte[] payload = serde.serialize(event);
            GrabStore.CommitResult result = commit(claim, empty, event, payload, held, null);
            committed = result instanceof GrabStore.Committed;
            return answered(claim, empty, event, payload, result, held);
        } catch (BudgetNotLoadedException e) {
            guard.shardMissing(e.templateId());
            throw budgetUnavailable(e.getMessage());
        } catch (GrabStore.ClaimLostException e) {
            throw new ApiException(HttpStatus.CONFLICT, ErrorCode.GRAB_IN_PROGRESS,
                    "the grab took too long; retry with the same request", Duration.ofSeconds(1));
        } finally {
            if (!committed) {
                if (held.releasable) {
                    held.release();
                }
                abandonQuietly(claim.actId(), claim.recordId(), claim.claimId());
            }
        }
    }

    /** An award of the reserved amount from {@code granted}, with its sealed token. */
    private GrabAnswer award(Claim claim, Template granted, Reservation reservation) {
        Outcome outcome = granted == claim.entry() ? Outcome.AWARDED : Outcome.FALLBACK;
        String outTradeNo = outTradeNos.next();
        Money amount = Money.of(reservation.amountMinor(), granted.currency());
        GrabCommand command = claim.command();
        String token = codec.seal(new RedPacketToken(command.appId(), claim.actId(),
                claim.child().activityId(), command.sceneId(), command.rainId(),
                granted.awardType(), claim.child().stage(), amount, outTradeNo, claim.now(),
                TokenStatus.ISSUED));
        return new GrabAnswer(outcome, granted.templateId(), granted.awardType(),
                amount.amountMinor(), amount.currency(), outTradeNo, token, claim.actId());
    }

    private static GrabStore.CapCharge capCharge(Template granted, GrabAnswer answer) {
        return granted.userCaps().any() ? new GrabStore.CapCharge(granted.templateId(),
                OutTradeNoGenerator.businessDate(answer.outTradeNo()), granted.userCaps(),
                answer.amountMinor()) : null;
    }

    private GrabStore.CommitResult commit(Claim claim, GrabAnswer answer, TokenIssued event,
            byte[] payload, Held held, GrabStore.CapCharge charge) {
        Map<String, String> tokenFields = event.hasToken()
                ? GrabStore.tokenFields(event, TokenStatus.ISSUED.name()) : Map.of();
        held.releasable = false;
        beforeCommit.run();
        try {
            return store.commit(claim.actId(), claim.recordId(), claim.claimId(), answer,
                    tokenFields, charge, payload, properties.grabRecordTtl());
        } catch (GrabStore.ClaimLostException e) {
            held.releasable = true;
            throw e;
        }
    }

    /**
     * The grab's answer once committed: this request's, or the answer another request
     * committed first (this request's reservation goes back). Either is given only once its
     * event is recorded on Kafka or in the outbox: a client never holds a token the durable
     * record does not know.
     */
    private GrabAnswer answered(Claim claim, GrabAnswer answer, TokenIssued event,
            byte[] payload, GrabStore.CommitResult result, Held held) {
        if (result instanceof GrabStore.AnsweredFirst first) {
            held.release();
            return recordedAnswer(claim.actId(), claim.recordId(), first.answer());
        }
        afterCommit.run();
        record(event, payload);
        store.recorded(claim.actId(), claim.recordId());
        grabCounters.get(answer.outcome()).increment();
        return answer;
    }

    /**
     * An answer found committed, once its event is recorded: an award whose event is still
     * marked unrecorded (its first request ran out of time, or its instance died before
     * answering) has the event recorded again first.
     */
    private GrabAnswer recordedAnswer(String actId, String recordId, GrabAnswer answer) {
        return recorded(actId, recordId, answer, store.unrecorded(actId, recordId));
    }

    /** As {@link #recordedAnswer}, with the unrecorded event (or null) already read. */
    private GrabAnswer recorded(String actId, String recordId, GrabAnswer answer,
            byte[] payload) {
        if (payload != null) {
            TokenIssued event = unrecordedEvent(payload, answer).orElseThrow(() -> {
                LOG.error("the unrecorded event of grab {} of {} is not this service's record"
                        + " of its answer; the grab is not answered", answer.outTradeNo(),
                        answer.actId());
                return ApiException.unavailable(ErrorCode.GRAB_NOT_RECORDED, "the grab's"
                        + " record is damaged; it needs an operator", Duration.ofSeconds(60));
            });
            record(event, payload);
            store.recorded(actId, recordId);
        }
        return answer;
    }

    /** What {@link #recordMarked} found for a grab Redis marks unrecorded. */
    enum Marked {
        /** Its event is now on Kafka or in the outbox, and the mark is gone. */
        RECORDED,
        /** Nothing to do: the mark is gone (a request or another sweeper recorded it). */
        GONE,
        /**
         * Refused: the mark is not this service's record of the key's answer (no answer, a
         * proof that does not verify, or a different grant). Left in Redis for an operator.
         */
        REFUSED
    }

    /**
     * Records the event of a committed grab that Redis still marks unrecorded, as a retry of
     * the grab would: only once the mark proves to be this service's grant of exactly the
     * key's answer. For grabs whose instance died between the commit and the record, and
     * whose client never came back.
     *
     * @throws ApiException GRAB_NOT_RECORDED when neither Kafka nor the outbox takes it now
     */
    Marked recordMarked(String actId, String recordId) {
        byte[] payload = store.unrecorded(actId, recordId);
        if (payload == null) {
            return Marked.GONE;
        }
        GrabAnswer answer = store.answer(actId, recordId);
        Optional<TokenIssued> event = answer == null ? Optional.empty()
                : unrecordedEvent(payload, answer);
        if (event.isEmpty()) {
            return Marked.REFUSED;
        }
        record(event.get(), payload);
        store.recorded(actId, recordId);
        return Marked.RECORDED;
    }

    /**
     * The unrecorded event of an answer, only if it is this service's grant of exactly that
     * answer: Redis is not trusted to hand over an event to publish.
     */
    private Optional<TokenIssued> unrecordedEvent(byte[] payload, GrabAnswer answer) {
        try {
            TokenIssued event = serde.deserialize(payload, TokenIssued.class);
            if (event.hasToken()) {
                grantProof.verify(event.grant(), event.grantProof());
            }
            if (Objects.equals(event.outTradeNo(), answer.outTradeNo())
                    && event.actId().equals(answer.actId())
                    && event.outcome() == answer.outcome()
                    && event.amountMinor() == answer.amountMinor()) {
                return Optional.of(event);
            }
        } catch (EventDecodingException | GrantRejectedException e) {
            // Not this service's record: refused below.
        }
        return Optional.empty();
    }

    private void record(TokenIssued event, byte[] payload) {
        try {
            publisher.record(event, payload, switches.isOn(Switches.OUTBOX_ONLY), recordDeadline);
        } catch (EventPublisher.NotRecordedException e) {
            throw ApiException.unavailable(ErrorCode.GRAB_NOT_RECORDED, "the grab is decided"
                    + " but not yet recorded; retry with the same request for its answer",
                    Duration.ofSeconds(1));
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

    /** The grab's TokenIssued event; {@code granted} is null for an EMPTY answer. */
    private TokenIssued event(Claim claim, Template granted, GrabAnswer answer) {
        boolean award = answer.outTradeNo() != null;
        LocalDate businessDate = award ? OutTradeNoGenerator.businessDate(answer.outTradeNo())
                : LocalDate.ofInstant(claim.now(), businessZone);
        String parentId = claim.parent().activityId();
        String eventId = award ? "issued-" + answer.outTradeNo()
                : "empty-" + recordId(parentId, claim.key().value());
        GrabCommand command = claim.command();
        TokenIssued event = new TokenIssued(eventId, answer.outTradeNo(), claim.key().value(),
                command.appId(), answer.actId(), parentId, claim.child().activityId(),
                claim.child().stage(), command.sceneId(), command.rainId(),
                claim.entry().templateId(), award ? granted.templateId()
                        : claim.entry().templateId(), answer.awardType(), answer.outcome(),
                answer.amountMinor(), answer.currency(), claim.now(), businessDate, null);
        return award ? event.withGrantProof(grantProof.sign(event.grant())) : event;
    }

    private static ApiException budgetUnavailable(String detail) {
        return ApiException.unavailable(ErrorCode.BUDGET_UNAVAILABLE, detail,
                Duration.ofSeconds(5));
    }
}
