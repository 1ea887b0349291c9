package dev.redrain.issuance.grab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redrain.core.activity.Outcome;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.catalog.Activity;
import dev.redrain.core.catalog.AmountRule;
import dev.redrain.core.catalog.Template;
import dev.redrain.core.catalog.UserCaps;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.ids.IdempotencyKey;
import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.token.GrantProof;
import dev.redrain.core.token.TokenCodec;
import dev.redrain.core.token.TokenKeyRing;
import dev.redrain.issuance.budget.BudgetNotLoadedException;
import dev.redrain.issuance.budget.Reservation;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * The grab's decisions with its stores faked: which template pays, what is given back and
 * what stays spent on every failure, and that an answer is given only once its event is
 * recorded. The same paths against real Redis, MySQL and Kafka are the ITCases next to this
 * (ClaimRaceITCase, DurableAnswerITCase, UserCapsITCase, PartialLossITCase, GrabITCase).
 */
class GrabServiceTest {
    private static final ZoneId ZONE = ZoneId.of("Asia/Shanghai");
    private static final Instant NOW = Instant.parse("2027-01-28T12:00:00Z");
    private static final TokenKeyRing KEYS = TokenKeyRing.of(
            Map.of("k1", "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8)),
            "k1");

    private final FakeRecords records = new FakeRecords();
    private final FakeBudgets budgets = new FakeBudgets();
    private final FakeDurable durable = new FakeDurable();
    private final GrantProof proof = new GrantProof(KEYS);
    private final GrabService grabs = new GrabService(null, records, budgets,
            new GrantMinter(new TokenCodec(KEYS), proof, new OutTradeNoGenerator(
                    Clock.fixed(NOW, ZoneOffset.UTC), ZONE, "0000000001"), ZONE),
            new GrabRecorder(durable, records, proof), Duration.ofSeconds(10),
            Duration.ofDays(8), ZONE, new SimpleMeterRegistry());

    private final Template fallback = template("fallback", 300, 30_000, UserCaps.NONE, null);
    private final Template entry = template("entry", 1_000, 100_000, UserCaps.NONE, "fallback");

    @Test
    void theEntryTemplatePaysAndItsReservationStaysSpent() {
        GrabAnswer answer = grabs.issue(grab("u1", entry, fallback));

        assertThat(answer.outcome()).isEqualTo(Outcome.AWARDED);
        assertThat(answer.amountMinor()).isEqualTo(1_000);
        assertThat(budgets.spentMinor()).isEqualTo(1_000);
        assertThat(budgets.givenBack).isEmpty();
        assertThat(durable.recorded).extracting(TokenIssued::outTradeNo)
                .containsExactly(answer.outTradeNo());
        assertThat(records.unrecorded).isEmpty();
        TokenIssued recorded = durable.recorded.get(0);
        assertThatCode(() -> proof.verify(recorded.grant(), recorded.grantProof()))
                .doesNotThrowAnyException();
    }

    @Test
    void theSameKeyGetsTheSameAnswerAndSpendsOnce() {
        GrabAnswer first = grabs.issue(grab("u1", entry, fallback));
        GrabAnswer again = grabs.issue(grab("u1", entry, fallback));

        assertThat(again).isEqualTo(first);
        assertThat(budgets.spentMinor()).isEqualTo(1_000);
        assertThat(budgets.givenBack).hasSize(1); // the second request's home reservation
    }

    @Test
    void anEmptyEntryFallsBackAndNothingPayingIsEmpty() {
        budgets.remaining.put("entry", 0L);
        budgets.remaining.put("fallback", 300L); // one award left
        assertThat(grabs.issue(grab("u1", entry, fallback)).outcome())
                .isEqualTo(Outcome.FALLBACK);

        GrabAnswer empty = grabs.issue(grab("u2", entry, fallback));
        assertThat(empty.outcome()).isEqualTo(Outcome.EMPTY);
        assertThat(empty.outTradeNo()).isNull();
        assertThat(durable.recorded).hasSize(2);
        assertThat(budgets.spentMinor()).isEqualTo(300);
    }

    @Test
    void aCapReachedBeforeTheClaimGivesTheHomeReservationBack() {
        Template capped = template("entry", 1_000, 100_000, new UserCaps(1, 0, 0, 0), "fallback");
        records.granted.put("u1", Map.of("entry", new UserCaps.Granted(1, 1_000, 1, 1_000)));

        GrabAnswer answer = grabs.issue(grab("u1", capped, fallback));

        assertThat(answer.outcome()).isEqualTo(Outcome.FALLBACK);
        assertThat(budgets.givenBack).extracting(Reservation::templateId)
                .containsExactly("entry");
        assertThat(budgets.spentMinor()).isEqualTo(300);
    }

    @Test
    void aCapTheCommitFindsReachedGivesBackAndTriesTheNextTemplate() {
        Template capped = template("entry", 1_000, 100_000, new UserCaps(5, 0, 0, 0), "fallback");
        records.capAtCommit.add("entry"); // a concurrent grab of the same user took the cap

        GrabAnswer answer = grabs.issue(grab("u1", capped, fallback));

        assertThat(answer.outcome()).isEqualTo(Outcome.FALLBACK);
        assertThat(budgets.spentMinor()).isEqualTo(300);
        assertThat(durable.recorded).hasSize(1);
    }

    @Test
    void anotherRequestsAnswerWinsAndThisReservationGoesBack() {
        GrabAnswer theirs = grabs.issue(grab("u1", entry, fallback));
        records.expireClaimsAtCommit = true; // this request's claim expired; theirs answered
        records.answers.remove("u1");
        records.pendingAnswer = theirs;

        GrabAnswer answer = grabs.issue(grab("u1", entry, fallback));

        assertThat(answer).isEqualTo(theirs);
        assertThat(budgets.spentMinor()).isEqualTo(1_000);
    }

    @Test
    void aLostClaimGivesBackAndAsksTheClientToRetry() {
        records.expireClaimsAtCommit = true;

        assertThatThrownBy(() -> grabs.issue(grab("u1", entry, fallback)))
                .isInstanceOf(ApiException.class)
                .extracting(e -> ((ApiException) e).code()).isEqualTo(ErrorCode.GRAB_IN_PROGRESS);
        assertThat(budgets.spentMinor()).isZero();
        assertThat(records.answers).isEmpty();
        assertThat(durable.recorded).isEmpty();
    }

    @Test
    void aCommitWhoseOutcomeIsUnknownKeepsItsReservationSpent() {
        records.commitFault = new RedisCommandTimeoutException("commit timed out");

        assertThatThrownBy(() -> grabs.issue(grab("u1", entry, fallback)))
                .isInstanceOf(RedisException.class);
        assertThat(budgets.spentMinor()).isEqualTo(1_000); // never given back: no overspend
        assertThat(budgets.givenBack).isEmpty();
        assertThat(records.claims).isEmpty(); // the claim is dropped for the next request
    }

    @Test
    void aMissingHomeShardAnswers503AndDropsTheClaim() {
        budgets.missing.add("entry");

        assertThatThrownBy(() -> grabs.issue(grab("u1", entry, fallback)))
                .isInstanceOf(ApiException.class)
                .extracting(e -> ((ApiException) e).code())
                .isEqualTo(ErrorCode.BUDGET_UNAVAILABLE);
        assertThat(budgets.shardsMissing).containsExactly("entry");
        assertThat(records.claims).isEmpty();
        assertThat(budgets.spentMinor()).isZero();
    }

    @Test
    void aClaimThatFailsGivesTheHomeReservationBack() {
        records.claimFault = new RedisException("connection reset");

        assertThatThrownBy(() -> grabs.issue(grab("u1", entry, fallback)))
                .isInstanceOf(RedisException.class);
        assertThat(budgets.spentMinor()).isZero();
        assertThat(budgets.givenBack).hasSize(1);
    }

    @Test
    void aGrabInProgressGetsItsAnswerOnceCommitted() throws Exception {
        GrabAnswer theirs = grabs.issue(grab("u1", entry, fallback));
        GrabAnswer decided = records.answers.remove("u1");
        records.claims.put("u1", "someone-else");
        CompletableFuture<GrabAnswer> waiting = CompletableFuture.supplyAsync(
                () -> grabs.issue(grab("u1", entry, fallback)));
        Thread.sleep(50);
        records.claims.remove("u1");
        records.answers.put("u1", decided);

        assertThat(waiting.get()).isEqualTo(theirs);
        assertThat(budgets.spentMinor()).isEqualTo(1_000);
    }

    @Test
    void anAnswerIsGivenOnlyOnceRecordedAndARetryRecordsIt() {
        durable.up = false;
        assertThatThrownBy(() -> grabs.issue(grab("u1", entry, fallback)))
                .extracting(e -> ((ApiException) e).code())
                .isEqualTo(ErrorCode.GRAB_NOT_RECORDED);
        assertThat(budgets.spentMinor()).isEqualTo(1_000); // decided: spent, kept unrecorded
        assertThat(records.unrecorded).containsKey("u1");

        durable.up = true;
        GrabAnswer answer = grabs.issue(grab("u1", entry, fallback));

        assertThat(durable.recorded).extracting(TokenIssued::outTradeNo)
                .containsExactly(answer.outTradeNo());
        assertThat(records.unrecorded).isEmpty();
        assertThat(budgets.spentMinor()).isEqualTo(1_000);
    }

    @Test
    void anUnrecordedEventPlantedInRedisIsNeverPublished() {
        GrabAnswer answer = grabs.issue(grab("u1", entry, fallback));
        TokenIssued real = durable.recorded.get(0);
        TokenIssued forged = real.withGrantProof(new GrantProof(TokenKeyRing.of(Map.of("k1",
                "attacker-key-0123456789abcdefghi".getBytes(StandardCharsets.UTF_8)), "k1"))
                .sign(real.grant()));
        records.unrecorded.put("u1", new EventSerde().serialize(forged));

        assertThatThrownBy(() -> grabs.issue(grab("u1", entry, fallback)))
                .extracting(e -> ((ApiException) e).code())
                .isEqualTo(ErrorCode.GRAB_NOT_RECORDED);
        assertThat(durable.recorded).hasSize(1);
        assertThat(answer.outcome()).isEqualTo(Outcome.AWARDED);
    }

    @Test
    void anAttemptRefusesToCommitAnAwardWithoutItsReservation() {
        GrabAttempt attempt = GrabAttempt.start(grab("u1", entry, fallback), settings());
        attempt.claim();
        attempt.pass(entry);
        GrantMinter.Minted award = minter().award(grab("u1", entry, fallback), entry,
                new Reservation("entry", 0, 1_000, "", "not-held"));

        assertThatThrownBy(() -> attempt.commit(award))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("without a reservation");
        attempt.close();
        assertThat(records.answers).isEmpty();
    }

    @Test
    void anAttemptRefusesAnAwardOfAnotherAmountThanReserved() {
        GrabAttempt attempt = GrabAttempt.start(grab("u1", entry, fallback), settings());
        attempt.claim();
        Reservation held = attempt.reserve(entry).orElseThrow();
        GrantMinter.Minted award = minter().award(grab("u1", entry, fallback), entry,
                new Reservation("entry", 0, held.amountMinor() + 1, "", "bigger"));

        assertThatThrownBy(() -> attempt.commit(award))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("against a reservation of 1000");
        attempt.close();
        assertThat(budgets.spentMinor()).isZero();
    }

    /**
     * Thousands of grabs of few keys under random faults (lost claims, commits that time out
     * before or after writing, an event store that is down): budget spent is always exactly
     * the committed awards plus the reservations of commits whose outcome was unknown and that
     * wrote nothing; never less (an overspend), and a key never has two answers.
     */
    @Test
    void budgetIsConservedUnderRandomFaults() {
        budgets.remaining.put("entry", 20_000L);
        budgets.remaining.put("fallback", 3_000L);
        Random random = new Random(20261202);
        long unknownNotWrittenMinor = 0;
        Map<String, GrabAnswer> answered = new HashMap<>();
        for (int i = 0; i < 3_000; i++) {
            String user = "u" + random.nextInt(40);
            int fault = random.nextInt(20);
            records.expireClaimsAtCommit = fault == 0;
            records.commitFault = fault == 1 ? new RedisCommandTimeoutException("lost") : null;
            records.writeThenFail = fault == 2;
            durable.up = fault != 3;
            boolean answeredBefore = records.answers.containsKey(user);
            budgets.lastReservedMinor = 0;
            try {
                GrabAnswer answer = grabs.issue(grab(user, entry, fallback));
                GrabAnswer earlier = answered.putIfAbsent(user, answer);
                assertThat(answer).isEqualTo(earlier == null ? answer : earlier);
            } catch (ApiException | RedisException refused) {
                if (fault == 1 && !answeredBefore) {
                    unknownNotWrittenMinor += budgets.lastReservedMinor;
                }
            }
            if (records.answers.containsKey(user) && answered.containsKey(user)) {
                assertThat(records.answers.get(user)).isEqualTo(answered.get(user));
            }
        }
        long committedMinor = records.answers.values().stream()
                .mapToLong(GrabAnswer::amountMinor).sum();
        assertThat(budgets.spentMinor()).isEqualTo(committedMinor + unknownNotWrittenMinor);
        assertThat(records.answers).isNotEmpty();
    }

    private GrabAttempt.Settings settings() {
        return new GrabAttempt.Settings(records, budgets, Duration.ofSeconds(10),
                Duration.ofDays(8), ZONE, () -> { });
    }

    private GrantMinter minter() {
        return new GrantMinter(new TokenCodec(KEYS), proof, new OutTradeNoGenerator(
                Clock.fixed(NOW, ZoneOffset.UTC), ZONE, "0000000002"), ZONE);
    }

    private static AdmittedGrab grab(String actId, Template... chain) {
        Activity parent = new Activity("spring", null, "Spring", null, Stage.FORMAL, 100,
                NOW.minusSeconds(60), NOW.plusSeconds(3600), "ACTIVE", Set.of());
        Activity child = new Activity("spring-formal", "spring", "Spring formal", Stage.FORMAL,
                null, 100, NOW.minusSeconds(60), NOW.plusSeconds(3600), "ACTIVE", Set.of());
        IdempotencyKey key = new IdempotencyKey(actId, "scene-1", "rain-1", "CASH",
                Stage.FORMAL);
        return new AdmittedGrab(new GrabCommand("app", "user-" + actId, "spring", "scene-1",
                "rain-1", null), parent, child, chain[0], actId, key, actId, List.of(chain), NOW);
    }

    private static Template template(String id, long amountMinor, long budgetMinor,
            UserCaps caps, String fallbackId) {
        return new Template(id, "spring-formal", "CASH", "CNY", AmountRule.FIXED, amountMinor,
                0, 0, 0, budgetMinor, 1, List.of(), fallbackId, true, caps, 1);
    }

    /** Budgets per template, one shard each; counts what is reserved and given back. */
    private static final class FakeBudgets implements GrantBudgets {
        final Map<String, Long> remaining = new ConcurrentHashMap<>();
        final Map<String, Long> initial = new ConcurrentHashMap<>();
        final List<Reservation> givenBack = new ArrayList<>();
        final Set<String> missing = ConcurrentHashMap.newKeySet();
        final List<String> shardsMissing = new ArrayList<>();
        long lastReservedMinor;

        @Override
        public CompletableFuture<Optional<Reservation>> reserveHomeAsync(Template template,
                String actId, long drawnAmountMinor) {
            try {
                return CompletableFuture.completedFuture(reserve(template, actId,
                        drawnAmountMinor));
            } catch (BudgetNotLoadedException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public synchronized Optional<Reservation> reserve(Template template, String actId,
                long drawnAmountMinor) {
            if (missing.contains(template.templateId())) {
                throw new BudgetNotLoadedException(template.templateId(), 0);
            }
            initial.putIfAbsent(template.templateId(), remaining.computeIfAbsent(
                    template.templateId(), id -> template.budgetMinor()));
            long left = remaining.get(template.templateId());
            if (left < drawnAmountMinor) {
                return Optional.empty();
            }
            remaining.put(template.templateId(), left - drawnAmountMinor);
            lastReservedMinor = drawnAmountMinor;
            return Optional.of(new Reservation(template.templateId(), 0, drawnAmountMinor, "",
                    UUID.randomUUID().toString()));
        }

        @Override
        public synchronized void giveBack(Template template, Reservation reservation) {
            givenBack.add(reservation);
            remaining.merge(template.templateId(), reservation.amountMinor(), Long::sum);
        }

        @Override
        public void shardMissing(String templateId) {
            shardsMissing.add(templateId);
        }

        synchronized long spentMinor() {
            return initial.entrySet().stream()
                    .mapToLong(e -> e.getValue() - remaining.get(e.getKey())).sum();
        }
    }

    /** Grab records keyed by recordId (the actId here), with the commit's faults to inject. */
    private static final class FakeRecords implements GrabRecords {
        final Map<String, String> claims = new ConcurrentHashMap<>();
        final Map<String, GrabAnswer> answers = new ConcurrentHashMap<>();
        final Map<String, byte[]> unrecorded = new ConcurrentHashMap<>();
        final Map<String, Map<String, UserCaps.Granted>> granted = new ConcurrentHashMap<>();
        final Set<String> capAtCommit = ConcurrentHashMap.newKeySet();
        volatile RuntimeException claimFault;
        volatile RuntimeException commitFault;
        /** The commit writes, then its answer is lost on the way back (a timeout). */
        volatile boolean writeThenFail;
        volatile boolean expireClaimsAtCommit;
        /** Committed by another request while this one's claim had expired. */
        volatile GrabAnswer pendingAnswer;

        @Override
        public CompletableFuture<ClaimResult> claimAsync(String actId, String recordId,
                String claimId, Duration ttl) {
            if (claimFault != null) {
                return CompletableFuture.failedFuture(claimFault);
            }
            GrabAnswer answer = answers.get(recordId);
            if (answer != null) {
                return CompletableFuture.completedFuture(new Answered(answer,
                        unrecorded.get(recordId)));
            }
            return CompletableFuture.completedFuture(claims.putIfAbsent(recordId, claimId) == null
                    ? new Claimed() : new Busy());
        }

        @Override
        public GrabAnswer answer(String actId, String recordId) {
            return answers.get(recordId);
        }

        @Override
        public CommitResult commit(String actId, String recordId, String claimId,
                GrabAnswer answer, Map<String, String> tokenFields, CapCharge charge,
                byte[] event, Duration recordTtl) {
            if (commitFault != null) {
                throw commitFault;
            }
            if (expireClaimsAtCommit) {
                claims.remove(recordId);
                if (pendingAnswer != null) {
                    answers.put(recordId, pendingAnswer);
                    return new AnsweredFirst(pendingAnswer);
                }
                throw new ClaimLostException();
            }
            if (!claimId.equals(claims.get(recordId))) {
                throw new ClaimLostException();
            }
            if (charge != null && capAtCommit.contains(charge.templateId())) {
                return new Capped();
            }
            claims.remove(recordId);
            answers.put(recordId, answer);
            unrecorded.put(recordId, event);
            if (writeThenFail) {
                throw new RedisCommandTimeoutException("the commit's reply was lost");
            }
            return new Committed();
        }

        @Override
        public byte[] unrecorded(String actId, String recordId) {
            return unrecorded.get(recordId);
        }

        @Override
        public void recorded(String actId, String recordId) {
            unrecorded.remove(recordId);
        }

        @Override
        public CompletableFuture<Map<String, UserCaps.Granted>> grantedAsync(String actId,
                List<String> templateIds, LocalDate businessDay) {
            return CompletableFuture.completedFuture(granted.getOrDefault(actId, Map.of()));
        }

        @Override
        public void abandon(String actId, String recordId, String claimId) {
            claims.remove(recordId, claimId);
        }
    }

    /** Kafka or the outbox: records what it takes, or times out while down. */
    private static final class FakeDurable implements GrabRecorder.Durable {
        final List<TokenIssued> recorded = new ArrayList<>();
        volatile boolean up = true;

        @Override
        public synchronized boolean record(TokenIssued event, byte[] payload) {
            if (up) {
                recorded.add(event);
            }
            return up;
        }
    }
}
