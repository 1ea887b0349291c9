package dev.redrain.issuance.budget;

import dev.redrain.core.money.Money;
import dev.redrain.core.catalog.Template;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Gives reserved budget back when its award was not issued, and keeps trying when Redis does
 * not answer. A give-back is counted at most once in Redis (the reservation's marker) and never
 * on a shard loaded again since (its epoch), so sending it again after a failure or a timeout,
 * whose command may still have run, is always safe.
 *
 * <p>The first attempt waits, as part of the request that failed; later ones run in the
 * background on a bounded schedule (about a minute in all) without blocking any thread while
 * Redis is away. What is still pending when the schedule ends, when more than
 * {@link #PENDING_MAX} are pending, or when the instance stops stays reserved: budget not
 * granted, never budget granted twice. {@code redrain.budget.release} counts each by
 * {@code result}: {@code retried}, {@code recovered}, {@code abandoned}.
 */
@Component
public class BudgetReleaser implements DisposableBean {
    private static final Logger LOG = LoggerFactory.getLogger(BudgetReleaser.class);
    static final long[] RETRY_DELAYS_MS = {200, 500, 1_000, 2_000, 5_000, 10_000, 10_000,
        10_000, 10_000, 10_000};
    static final int PENDING_MAX = 100_000;

    private final BudgetStore budgets;
    private final ScheduledExecutorService scheduler;
    private final AtomicInteger pending = new AtomicInteger();
    private final Counter retried;
    private final Counter recovered;
    private final Counter abandoned;

    public BudgetReleaser(BudgetStore budgets, MeterRegistry meters) {
        this.budgets = budgets;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "budget-release-retry");
            thread.setDaemon(true);
            return thread;
        });
        this.retried = meters.counter("redrain.budget.release", "result", "retried");
        this.recovered = meters.counter("redrain.budget.release", "result", "recovered");
        this.abandoned = meters.counter("redrain.budget.release", "result", "abandoned");
        meters.gauge("redrain.budget.release.pending", pending);
    }

    /** Gives the reservation back now, or keeps trying in the background if that fails. */
    public void release(Template template, Reservation reservation) {
        if (reservation == null) {
            return;
        }
        try {
            budgets.release(template, reservation);
        } catch (RuntimeException e) {
            if (pending.incrementAndGet() > PENDING_MAX) {
                pending.decrementAndGet();
                abandon(template, reservation, e);
                return;
            }
            schedule(template, reservation, 0);
        }
    }

    /** Give-backs waiting for a retry. */
    public int pending() {
        return pending.get();
    }

    private void schedule(Template template, Reservation reservation, int attempt) {
        retried.increment();
        try {
            scheduler.schedule(() -> retry(template, reservation, attempt),
                    RETRY_DELAYS_MS[attempt], TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            pending.decrementAndGet();
            abandon(template, reservation, stopping);
        }
    }

    private void retry(Template template, Reservation reservation, int attempt) {
        budgets.releaseAsync(template, reservation).whenComplete((released, error) -> {
            if (error == null) {
                pending.decrementAndGet();
                recovered.increment();
            } else if (attempt + 1 < RETRY_DELAYS_MS.length) {
                schedule(template, reservation, attempt + 1);
            } else {
                pending.decrementAndGet();
                abandon(template, reservation, error);
            }
        });
    }

    private void abandon(Template template, Reservation reservation, Throwable cause) {
        abandoned.increment();
        // Stays reserved: never an overspend; the budget monitor's drift rule and the
        // settlement see granted below reserved.
        LOG.warn("gave up returning {} to shard {} of template {}: {}",
                Money.of(reservation.amountMinor(), template.currency()).display(),
                reservation.shard(), reservation.templateId(), cause.toString());
    }

    @Override
    public void destroy() {
        int left = pending.get();
        scheduler.shutdownNow();
        if (left > 0) {
            LOG.warn("stopping with {} budget give-backs not confirmed; they stay reserved",
                    left);
        }
    }
}
