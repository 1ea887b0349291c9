package dev.redrain.issuance.grab;

import dev.redrain.core.activity.Outcome;
import dev.redrain.core.catalog.Template;
import dev.redrain.issuance.budget.BudgetNotLoadedException;
import dev.redrain.issuance.config.IssuanceProperties;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.ZoneId;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * One grab, as a pipeline of values: {@link GrabAdmitter} turns the request into an {@link
 * AdmittedGrab} (or a refusal); a {@link GrabAttempt} claims its idempotency key and reserves
 * budget along the fallback chain; {@link GrantMinter} makes the answer and its event; the
 * attempt commits it; {@link GrabRecorder} records the event durably before the answer is
 * given. The same key always gets the same answer, and budget is spent once per answered key.
 */
@Service
public class GrabService {
    /** How long a duplicate waits for the first request's answer before giving up. */
    static final Duration DUPLICATE_WAIT_MAX = Duration.ofSeconds(3);
    private static final long DUPLICATE_POLL_MS = 5;

    private final GrabAdmitter admitter;
    private final GrabRecords records;
    private final GrantMinter minter;
    private final GrabRecorder recorder;
    private final GrabAttempt.Settings attempts;
    /** Looked up once: a registry lookup per grab showed in the grab benchmark's profile. */
    private final Map<Outcome, Counter> grabCounters = new EnumMap<>(Outcome.class);
    /** Templates a grab skipped because the user reached one of their caps. */
    private final Counter cappedCounter;
    /** Runs before each commit: a test's seam to slow one past its claim's TTL. */
    volatile Runnable beforeCommit = () -> { };
    /**
     * Runs between a commit and the record of its event: a test's seam to die there, as an
     * instance killed at that moment does.
     */
    volatile Runnable afterCommit = () -> { };

    @Autowired
    GrabService(GrabAdmitter admitter, GrabRecords records, GrantBudgets budgets,
            GrantMinter minter, GrabRecorder recorder, IssuanceProperties properties,
            MeterRegistry meters) {
        this(admitter, records, budgets, minter, recorder, properties.grabClaimTtl(),
                properties.grabRecordTtl(), ZoneId.of(properties.businessZone()), meters);
    }

    GrabService(GrabAdmitter admitter, GrabRecords records, GrantBudgets budgets,
            GrantMinter minter, GrabRecorder recorder, Duration claimTtl, Duration recordTtl,
            ZoneId businessZone, MeterRegistry meters) {
        this.admitter = admitter;
        this.records = records;
        this.minter = minter;
        this.recorder = recorder;
        this.attempts = new GrabAttempt.Settings(records, budgets, claimTtl, recordTtl,
                businessZone, () -> beforeCommit.run());
        for (Outcome outcome : Outcome.values()) {
            grabCounters.put(outcome, meters.counter("redrain.grabs", "outcome", outcome.name()));
        }
        this.cappedCounter = meters.counter("redrain.grab.user.capped");
    }

    public GrabAnswer grab(GrabCommand command) {
        GrabAdmitter.Decision decision = admitter.admit(command);
        if (decision instanceof GrabAdmitter.Closed closed) {
            return answeredBefore(closed).orElseThrow(closed::refusal);
        }
        return issue(((GrabAdmitter.Admitted) decision).grab());
    }

    /**
     * The answer a grab that closed meanwhile already has, recorded: a request asked again
     * after its rain, scene or activity closed gets it, and nothing is granted anew.
     */
    private Optional<GrabAnswer> answeredBefore(GrabAdmitter.Closed closed) {
        return closed.answeredKey().flatMap(key -> Optional.ofNullable(
                records.answer(key.actId(), key.recordId())).map(answer ->
                        recorder.recordedAnswer(key.actId(), key.recordId(), answer)));
    }

    /**
     * Claims the key, then tries the chain in order: a template whose user cap is reached,
     * whose budget is gone, or whose commit finds the cap reached (a concurrent grab of the
     * same user) is skipped; when none pays, the answer is EMPTY. The attempt gives back what
     * it holds whenever this ends without a commit.
     */
    GrabAnswer issue(AdmittedGrab grab) {
        try (GrabAttempt attempt = GrabAttempt.start(grab, attempts)) {
            GrabRecords.ClaimResult claim = attempt.claim();
            if (claim instanceof GrabRecords.Answered answered) {
                return recorder.recorded(grab.actId(), grab.recordId(), answered.answer(),
                        answered.unrecorded());
            }
            if (claim instanceof GrabRecords.Busy) {
                return recorder.recordedAnswer(grab.actId(), grab.recordId(), awaitAnswer(grab));
            }
            for (Template template : grab.chain()) {
                if (attempt.capReached(template)) {
                    attempt.pass(template);
                    cappedCounter.increment();
                    continue;
                }
                if (attempt.reserve(template).isEmpty()) {
                    continue;
                }
                GrantMinter.Minted award = minter.award(grab, template, attempt.held());
                GrabRecords.CommitResult result = attempt.commit(award);
                if (result instanceof GrabRecords.Capped) {
                    cappedCounter.increment();
                    continue;
                }
                return answered(grab, award, result);
            }
            GrantMinter.Minted empty = minter.empty(grab);
            return answered(grab, empty, attempt.commit(empty));
        } catch (BudgetNotLoadedException e) {
            attempts.budgets().shardMissing(e.templateId());
            throw GrabAdmitter.budgetUnavailable(e.getMessage());
        } catch (GrabRecords.ClaimLostException e) {
            throw new ApiException(HttpStatus.CONFLICT, ErrorCode.GRAB_IN_PROGRESS,
                    "the grab took too long; retry with the same request", Duration.ofSeconds(1));
        }
    }

    /**
     * The grab's answer once committed: this request's, or the answer another request
     * committed first. Either is given only once its event is recorded on Kafka or in the
     * outbox: a client never holds a token the durable record does not know.
     */
    private GrabAnswer answered(AdmittedGrab grab, GrantMinter.Minted minted,
            GrabRecords.CommitResult result) {
        if (result instanceof GrabRecords.AnsweredFirst first) {
            return recorder.recordedAnswer(grab.actId(), grab.recordId(), first.answer());
        }
        afterCommit.run();
        recorder.record(grab.actId(), grab.recordId(), minted.event(), minted.payload());
        grabCounters.get(minted.answer().outcome()).increment();
        return minted.answer();
    }

    private GrabAnswer awaitAnswer(AdmittedGrab grab) {
        long deadline = System.nanoTime() + DUPLICATE_WAIT_MAX.toNanos();
        while (System.nanoTime() < deadline) {
            GrabAnswer answer = records.answer(grab.actId(), grab.recordId());
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
}
