package dev.redrain.issuance.budget;

/** A budget shard is missing from Redis: never loaded, lost, or Redis restarted empty. */
public class BudgetNotLoadedException extends RuntimeException {
    private final String templateId;

    public BudgetNotLoadedException(String templateId, int shard) {
        super("budget shard " + shard + " of template " + templateId + " is not in Redis");
        this.templateId = templateId;
    }

    public String templateId() {
        return templateId;
    }
}
