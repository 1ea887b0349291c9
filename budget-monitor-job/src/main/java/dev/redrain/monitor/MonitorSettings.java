package dev.redrain.monitor;

import java.io.Serializable;

/**
 * The monitor's own tuning (per-template parameters come from MySQL).
 *
 * @param windowMs tumbling window length (1 minute)
 * @param burnWindows windows whose spend gives the current burn rate (N in "the last N minutes")
 * @param spikeTrailingWindows windows in the trailing average a window is compared with
 * @param spikeMinTrailingWindows closed windows needed before a spike can be judged
 * @param surgeMinAsks grabs asking a template in a window before its outcome mix is judged
 * @param retentionAfterEndMs how long after its activity's end a key's state is kept
 * @param runbookUrl the budget-alert runbook; each alert links to its rule's section
 */
public record MonitorSettings(long windowMs, int burnWindows, int spikeTrailingWindows,
        int spikeMinTrailingWindows, int surgeMinAsks, long retentionAfterEndMs,
        String runbookUrl) implements Serializable {

    public static final String DEFAULT_RUNBOOK_URL = "runbooks/budget-alert.md";

    public MonitorSettings {
        if (windowMs <= 0 || burnWindows < 1 || spikeTrailingWindows < 1
                || spikeMinTrailingWindows < 1 || spikeMinTrailingWindows > spikeTrailingWindows
                || surgeMinAsks < 1 || retentionAfterEndMs < 0) {
            throw new IllegalArgumentException("invalid monitor settings " + this);
        }
    }

    public static MonitorSettings defaults() {
        return new MonitorSettings(60_000, 5, 10, 3, 20, 3_600_000, DEFAULT_RUNBOOK_URL);
    }

    /** Windows of history a key keeps: enough for the burn rate and the spike average. */
    int historyWindows() {
        return Math.max(burnWindows, spikeTrailingWindows);
    }
}
