package dev.redrain.core.catalog;

import java.util.List;

/**
 * A reward template of one child activity: what an award is (type and asset), how big, from
 * which budget, and what to try when that budget is gone.
 *
 * @param userCaps what one user may be granted from it ({@link UserCaps#NONE}: no cap)
 * @param version changes whenever the budget or the rule changes; caches key on it
 */
public record Template(
        String templateId,
        String activityId,
        String awardType,
        String currency,
        AmountRule rule,
        long fixedAmountMinor,
        long minAmountMinor,
        long maxAmountMinor,
        int poolPacketCount,
        long budgetMinor,
        int budgetShards,
        List<Integer> alertThresholdsPct,
        String fallbackTemplateId,
        boolean active,
        UserCaps userCaps,
        long version) {

    public Template {
        alertThresholdsPct = List.copyOf(alertThresholdsPct);
    }
}
