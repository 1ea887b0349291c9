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
 * @param alertResendMs how often the webhook re-sends an alert whose condition still holds;
 *     each send asks Alertmanager to keep it firing for {@link #alertLeaseMs()}
 */
public record MonitorSettings(long windowMs, int burnWindows, int spikeTrailingWindows,
        int spikeMinTrailingWindows, int surgeMinAsks, long retentionAfterEndMs,
        String runbookUrl, long alertResendMs) implements Serializable {

    public static final String DEFAULT_RUNBOOK_URL = "runbooks/budget-alert.md";

    public MonitorSettings {
        if (windowMs <= 0 || burnWindows < 1 || spikeTrailingWindows < 1
                || spikeMinTrailingWindows < 1 || spikeMinTrailingWindows > spikeTrailingWindows
                || surgeMinAsks < 1 || retentionAfterEndMs < 0 || alertResendMs <= 0) {
            throw new IllegalArgumentException("invalid monitor settings " + this);
        }
    }

    /** Re-sending firing alerts every minute (Alertmanager's own advice to its clients). */
    public MonitorSettings(long windowMs, int burnWindows, int spikeTrailingWindows,
            int spikeMinTrailingWindows, int surgeMinAsks, long retentionAfterEndMs,
            String runbookUrl) {
        this(windowMs, burnWindows, spikeTrailingWindows, spikeMinTrailingWindows, surgeMinAsks,
                retentionAfterEndMs, runbookUrl, 60_000);
    }

    public static MonitorSettings defaults() {
        return new MonitorSettings(60_000, 5, 10, 3, 20, 3_600_000, DEFAULT_RUNBOOK_URL);
    }

    /**
     * How long one send keeps an alert firing in Alertmanager: four re-sends, so a lost send
     * or two changes nothing, and a monitor that stopped lets its alerts resolve soon after.
     */
    long alertLeaseMs() {
        return 4 * alertResendMs;
    }

    /** Windows of history a key keeps: enough for the burn rate and the spike average. */
    int historyWindows() {
        return Math.max(burnWindows, spikeTrailingWindows);
    }
}
