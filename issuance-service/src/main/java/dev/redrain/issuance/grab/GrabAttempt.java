package dev.redrain.issuance.grab;

import dev.redrain.core.catalog.Template;
import dev.redrain.core.catalog.UserCaps;
import dev.redrain.issuance.budget.BudgetNotLoadedException;
import dev.redrain.issuance.budget.Reservation;
import io.lettuce.core.RedisException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One grab's hold on its idempotency key (the claim) and on budget (a reservation), from the
 * moment both are sent until the answer is committed. Every give-back rule of the grab lives
 * here, and {@link #close} applies them whatever happened before:
 * <ul>
 *   <li>a reservation whose award was not committed goes back;</li>
 *   <li>except when the commit's outcome is unknown (Redis timed out): it stays spent, because
 *       giving it back could pay the same budget twice;</li>
 *   <li>a reservation whose own outcome is unknown stays spent;</li>
 *   <li>a claim that was not committed is dropped, so the next request takes over at once.</li>
 * </ul>
 * Not thread-safe: one request's thread owns it.
 */
final class GrabAttempt implements AutoCloseable {
    /** What every attempt shares: its stores, TTLs and a test's seam before each commit. */
    record Settings(GrabRecords records, GrantBudgets budgets, Duration claimTtl,
            Duration recordTtl, ZoneId businessZone, Runnable beforeCommit) {
    }

    private final AdmittedGrab grab;
    private final Settings settings;
    private final String claimId;
    private final CompletableFuture<GrabRecords.ClaimResult> claim;
    private final CompletableFuture<Map<String, UserCaps.Granted>> grantedSoFar;
    /** The chain's first template, tried on the user's home shard together with the claim. */
    private final Template first;
    /** The home-shard attempt until it is awaited; null when not sent or already awaited. */
    private CompletableFuture<Optional<Reservation>> home;
    /** The home shard's reservation, until the first template is reserved or passed. */
    private Reservation early;
    private boolean earlyOffered;
    private boolean claimed;
    private Template heldTemplate;
    private Reservation held;
    /** A commit was sent and its outcome is not known: what is held stays spent. */
    private boolean commitUnknown;
    private boolean committed;

    private GrabAttempt(AdmittedGrab grab, Settings settings) {
        this.grab = grab;
        this.settings = settings;
        // Unique among concurrent requests for one key; not a secret (no SecureRandom lock).
        this.claimId = Long.toHexString(ThreadLocalRandom.current().nextLong())
                + Long.toHexString(System.nanoTime());
        this.first = grab.chain().isEmpty() ? null : grab.chain().get(0);
        this.claim = settings.records().claimAsync(grab.actId(), grab.recordId(), claimId,
                settings.claimTtl());
        this.home = first == null ? null
                : settings.budgets().reserveHomeAsync(first, grab.actId(), draw(first));
        this.grantedSoFar = grantedSoFar();
    }

    /**
     * Sends the claim and the first template's home-shard reservation together: one round
     * trip's wait instead of two. When the claim finds the key answered or in progress, the
     * reservation goes back on {@link #close}.
     */
    static GrabAttempt start(AdmittedGrab grab, Settings settings) {
        return new GrabAttempt(grab, settings);
    }

    /**
     * Waits for the claim and, once this request holds it, for the home-shard reservation.
     *
     * @throws BudgetNotLoadedException when the home shard is missing from Redis
     */
    GrabRecords.ClaimResult claim() {
        GrabRecords.ClaimResult result = await(claim);
        if (!(result instanceof GrabRecords.Claimed)) {
            giveBackWhenReserved(home); // Not this request's key: its budget goes back now.
            home = null;
            return result;
        }
        claimed = true;
        CompletableFuture<Optional<Reservation>> sent = home;
        home = null; // From here a failed home attempt's outcome is unknown: it stays spent.
        early = sent == null ? null : await(sent).orElse(null);
        return result;
    }

    /**
     * True when the user reached one of {@code template}'s caps (as read with the claim): it
     * is skipped before its budget is reserved. A failed read says nothing; the commit decides.
     */
    boolean capReached(Template template) {
        UserCaps.Granted granted = grantedSoFar.join().get(template.templateId());
        return granted != null && template.userCaps().reached(granted);
    }

    /** Skips {@code template}: its home-shard reservation, if it had one, goes back. */
    void pass(Template template) {
        Reservation unused = takeEarly(template);
        if (unused != null) {
            settings.budgets().giveBack(template, unused);
        }
    }

    /**
     * Reserves one award from {@code template} (the home-shard reservation when it is the first
     * template and had one) and holds it until the commit or {@link #close}.
     *
     * @return empty when the template's budget cannot pay
     */
    Optional<Reservation> reserve(Template template) {
        requireClaimed();
        if (held != null) {
            throw new IllegalStateException("grab " + grab.recordId() + " already holds "
                    + held.id() + "; it is committed or given back before another is reserved");
        }
        Reservation taken = takeEarly(template);
        Optional<Reservation> reserved = taken != null ? Optional.of(taken)
                : settings.budgets().reserve(template, grab.actId(), draw(template));
        reserved.ifPresent(reservation -> {
            heldTemplate = template;
            held = reservation;
        });
        return reserved;
    }

    /** The reservation held for the award about to be minted. */
    Reservation held() {
        if (held == null) {
            throw new IllegalStateException("grab " + grab.recordId() + " holds no reservation");
        }
        return held;
    }

    /**
     * Commits {@code minted} as the key's answer. A reservation held for it goes back when the
     * commit writes nothing (the user's cap is reached, another request answered first, or the
     * claim was lost); it stays spent when the commit's outcome is unknown.
     */
    GrabRecords.CommitResult commit(GrantMinter.Minted minted) {
        requireClaimed();
        if (committed) {
            throw new IllegalStateException("grab " + grab.recordId() + " is committed once");
        }
        if (minted.template() != null && held == null) {
            throw new IllegalStateException("award " + minted.answer().outTradeNo() + " of grab "
                    + grab.recordId() + " commits without a reservation");
        }
        if (held != null && held.amountMinor() != minted.answer().amountMinor()) {
            throw new IllegalStateException("award " + minted.answer().outTradeNo() + " of "
                    + minted.answer().amountMinor() + " commits against a reservation of "
                    + held.amountMinor());
        }
        commitUnknown = true;
        settings.beforeCommit().run();
        GrabRecords.CommitResult result;
        try {
            result = settings.records().commit(grab.actId(), grab.recordId(), claimId,
                    minted.answer(), minted.tokenFields(), minted.capCharge(), minted.payload(),
                    settings.recordTtl());
        } catch (GrabRecords.ClaimLostException e) {
            commitUnknown = false;
            throw e;
        }
        commitUnknown = false;
        if (result instanceof GrabRecords.Committed) {
            committed = true;
        } else {
            giveBackHeld();
        }
        return result;
    }

    /** Applies the give-back rules (see the class comment); never throws. */
    @Override
    public void close() {
        if (committed) {
            return;
        }
        giveBackWhenReserved(home);
        home = null;
        if (early != null && !earlyOffered) {
            settings.budgets().giveBack(first, early);
            early = null;
        }
        if (!commitUnknown) {
            giveBackHeld();
        }
        if (claimed) {
            abandonClaim();
        }
    }

    private Reservation takeEarly(Template template) {
        if (earlyOffered) {
            return null;
        }
        earlyOffered = true;
        Reservation taken = template == first ? early : null;
        if (taken == null && early != null) {
            settings.budgets().giveBack(first, early);
        }
        early = null;
        return taken;
    }

    private void giveBackHeld() {
        if (held != null) {
            settings.budgets().giveBack(heldTemplate, held);
        }
        held = null;
        heldTemplate = null;
    }

    private void giveBackWhenReserved(CompletableFuture<Optional<Reservation>> sent) {
        if (sent == null) {
            return;
        }
        try {
            await(sent).ifPresent(reservation -> settings.budgets().giveBack(first, reservation));
        } catch (RuntimeException unknown) {
            // Its outcome is unknown: it stays spent.
        }
    }

    private void abandonClaim() {
        try {
            settings.records().abandon(grab.actId(), grab.recordId(), claimId);
        } catch (RuntimeException e) {
            // The claim expires by itself after the claim TTL.
        }
    }

    private void requireClaimed() {
        if (!claimed) {
            throw new IllegalStateException("grab " + grab.recordId() + " is not claimed");
        }
    }

    private CompletableFuture<Map<String, UserCaps.Granted>> grantedSoFar() {
        List<String> capped = grab.chain().stream()
                .filter(template -> template.userCaps().any()).map(Template::templateId)
                .toList();
        if (capped.isEmpty()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        return settings.records().grantedAsync(grab.actId(), capped,
                LocalDate.ofInstant(grab.now(), settings.businessZone()))
                .exceptionally(unknown -> Map.of());
    }

    static long draw(Template template) {
        return switch (template.rule()) {
            case FIXED -> template.fixedAmountMinor();
            case UNIFORM -> ThreadLocalRandom.current().nextLong(template.minAmountMinor(),
                    template.maxAmountMinor() + 1);
            case POOL -> 0;
        };
    }

    /** Waits for a Redis future, rethrowing its own exception. */
    static <T> T await(CompletableFuture<T> future) {
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
}
