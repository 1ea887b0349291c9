package dev.redrain.issuance.grab;

import dev.redrain.core.catalog.Template;
import dev.redrain.issuance.budget.BudgetNotLoadedException;
import dev.redrain.issuance.budget.Reservation;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The budget a grab reserves and gives back, as the grab pipeline uses it. {@link
 * RedisGrantBudgets} keeps it in Redis shards; unit tests of the pipeline use a fake.
 */
interface GrantBudgets {

    /**
     * Tries the user's home shard of {@code template} without waiting. Completes with the
     * reservation or empty; null when the home shard is known to be exhausted. Fails with
     * {@link BudgetNotLoadedException} when the shard is missing from Redis.
     */
    CompletableFuture<Optional<Reservation>> reserveHomeAsync(Template template, String actId,
            long drawnAmountMinor);

    /**
     * Reserves one award from any shard of the template, home first.
     *
     * @return empty when no shard can pay
     * @throws BudgetNotLoadedException when a shard is missing from Redis
     */
    Optional<Reservation> reserve(Template template, String actId, long drawnAmountMinor);

    /** Gives back a reservation whose award was not committed (retried until it lands). */
    void giveBack(Template template, Reservation reservation);

    /** A grab found a shard of the template missing from Redis. */
    void shardMissing(String templateId);
}
