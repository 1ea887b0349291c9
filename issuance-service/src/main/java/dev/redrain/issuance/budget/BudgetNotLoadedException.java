package dev.redrain.issuance.budget;

/** A budget shard is missing from Redis: never loaded, or Redis restarted empty. */
public class BudgetNotLoadedException extends RuntimeException {
    public BudgetNotLoadedException(String message) {
        super(message);
    }
}
