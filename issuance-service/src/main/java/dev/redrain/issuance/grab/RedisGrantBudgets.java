package dev.redrain.issuance.grab;

import dev.redrain.core.catalog.Template;
import dev.redrain.issuance.budget.BudgetGuard;
import dev.redrain.issuance.budget.BudgetReleaser;
import dev.redrain.issuance.budget.BudgetStore;
import dev.redrain.issuance.budget.Reservation;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.springframework.stereotype.Component;

/** The grab's budgets in Redis: reservations, background give-backs and the shard guard. */
@Component
class RedisGrantBudgets implements GrantBudgets {
    private final BudgetStore budgets;
    private final BudgetReleaser releaser;
    private final BudgetGuard guard;

    RedisGrantBudgets(BudgetStore budgets, BudgetReleaser releaser, BudgetGuard guard) {
        this.budgets = budgets;
        this.releaser = releaser;
        this.guard = guard;
    }

    @Override
    public CompletableFuture<Optional<Reservation>> reserveHomeAsync(Template template,
            String actId, long drawnAmountMinor) {
        return budgets.reserveHomeAsync(template, actId, drawnAmountMinor);
    }

    @Override
    public Optional<Reservation> reserve(Template template, String actId,
            long drawnAmountMinor) {
        return budgets.reserve(template, actId, drawnAmountMinor);
    }

    @Override
    public void giveBack(Template template, Reservation reservation) {
        releaser.release(template, reservation);
    }

    @Override
    public void shardMissing(String templateId) {
        guard.shardMissing(templateId);
    }
}
