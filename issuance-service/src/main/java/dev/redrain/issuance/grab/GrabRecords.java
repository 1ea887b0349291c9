package dev.redrain.issuance.grab;

import dev.redrain.core.catalog.UserCaps;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The idempotency record of grabs as the grab pipeline uses it: a claim per key, the committed
 * answer, and the answer's event while it is not yet recorded durably. {@link GrabStore} keeps
 * it in the user's Redis slot; unit tests of the pipeline use an in-memory fake.
 */
interface GrabRecords {

    /**
     * Claims the key for this request without waiting (answered: its answer; busy: another
     * request holds it), so the grab waits for it together with its budget.
     */
    CompletableFuture<ClaimResult> claimAsync(String actId, String recordId, String claimId,
            Duration ttl);

    /** The committed answer for the key, or null while none is. */
    GrabAnswer answer(String actId, String recordId);

    /**
     * Commits the answer (and, for an award, its token), counting it against the user's caps
     * when {@code charge} is not null. Throws {@link ClaimLostException} when the claim expired
     * with no answer: nothing was written.
     */
    CommitResult commit(String actId, String recordId, String claimId, GrabAnswer answer,
            Map<String, String> tokenFields, CapCharge charge, byte[] event, Duration recordTtl);

    /** The event of an answer not yet recorded durably, or null. */
    byte[] unrecorded(String actId, String recordId);

    /** Forgets the unrecorded event once Kafka or the outbox has it. */
    void recorded(String actId, String recordId);

    /**
     * What the user has been granted from each of {@code templateIds} on {@code businessDay}:
     * advisory, read with the claim; the commit decides.
     */
    CompletableFuture<Map<String, UserCaps.Granted>> grantedAsync(String actId,
            List<String> templateIds, LocalDate businessDay);

    /** Drops the claim if it is still {@code claimId}'s. */
    void abandon(String actId, String recordId, String claimId);

    sealed interface ClaimResult permits Claimed, Busy, Answered {
    }

    record Claimed() implements ClaimResult {
    }

    record Busy() implements ClaimResult {
    }

    /** @param unrecorded the answer's event while it is not yet recorded durably, else null */
    record Answered(GrabAnswer answer, byte[] unrecorded) implements ClaimResult {
    }

    /** How the commit of an award counts against the user's caps of its template. */
    record CapCharge(String templateId, LocalDate businessDay, UserCaps caps, long amountMinor) {
    }

    sealed interface CommitResult permits Committed, AnsweredFirst, Capped {
    }

    /** This request's answer is now the key's answer. */
    record Committed() implements CommitResult {
    }

    /** Another request answered the key first (this request's claim had expired). */
    record AnsweredFirst(GrabAnswer answer) implements CommitResult {
    }

    /** The award would pass one of the user's caps: nothing was written, the claim stands. */
    record Capped() implements CommitResult {
    }

    /** The claim expired before the commit and nobody answered: the caller retries. */
    final class ClaimLostException extends RuntimeException {
        ClaimLostException() {
            super("grab claim expired before its commit");
        }
    }
}
