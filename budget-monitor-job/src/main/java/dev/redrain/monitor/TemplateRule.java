package dev.redrain.monitor;

import java.util.Arrays;

/**
 * A template's budget and the monitor's rule parameters, as loaded from MySQL
 * ({@code reward_template} joined with its activity). A Flink POJO.
 */
public class TemplateRule {
    public String templateId;
    public String activityId;
    public String parentActivityId;
    public String stage;
    public String currency;
    /** Minor units in one major unit of the currency (100 fen in a yuan, 1 for coupons). */
    public long minorPerMajor = 1;
    public long budgetMinor;
    public int budgetShards;
    /** Ascending percentages of the budget whose crossing alerts once. */
    public int[] thresholdsPct;
    public int burnMarginMinutes;
    public int unusedPctMax;
    public int spikeFactorPct;
    public int outcomeShareMaxPct;
    public long driftToleranceMinor;
    public int driftGraceSeconds;
    /** When the activity ends (or ended, if an operator ended it early), epoch ms. */
    public long endsAtMs;

    public TemplateRule() {
    }

    String key() {
        return Observation.key(activityId, stage, templateId);
    }

    static int[] parseThresholds(String text) {
        if (text == null || text.isBlank()) {
            return new int[0];
        }
        return Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .mapToInt(Integer::parseInt).filter(pct -> pct > 0 && pct <= 100).sorted()
                .distinct().toArray();
    }
}
