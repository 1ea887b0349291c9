package dev.redrain.monitor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the monitor remembers about one (activity, stage, template), in one value so a
 * checkpoint restores it whole. A Flink POJO.
 */
public class KeyState {
    /** Minor units and awards paid, all time, including late events. */
    public long cumulativeMinor;
    public long cumulativeCount;
    /** Event time of the latest observation. */
    public long lastEventMs = Long.MIN_VALUE;
    /** Spend of the most recent closed windows, oldest first, ending at {@link #historyEndMs}. */
    public List<Long> history = new ArrayList<>();
    public long historyEndMs = Long.MIN_VALUE;
    /** Thresholds (percent) already alerted: never again, also after a restore. */
    public List<Integer> thresholdsFired = new ArrayList<>();
    /** Rules whose condition holds now and was alerted; cleared when it stops holding. */
    public List<String> activeRules = new ArrayList<>();
    /** Processing time the stream and Redis started to disagree, 0 when they agree. */
    public long driftSinceMs;
    /**
     * The alerts firing now, as BudgetAlert JSON by dedupe key, for the webhook's re-sends and
     * its resolutions (kept in state, so a restored job still resolves what it fired).
     */
    public Map<String, String> firing = new HashMap<>();
    /** Processing time the firing alerts were last re-sent. */
    public long firingResentMs;
    /** The cleanup timer registered for this key, Long.MIN_VALUE for none. */
    public long cleanupTimerMs = Long.MIN_VALUE;

    public KeyState() {
    }

    boolean isActive(String rule) {
        return activeRules.contains(rule);
    }

    /** Marks the rule active; true when it was not (the alert should fire). */
    boolean activate(String rule) {
        if (activeRules.contains(rule)) {
            return false;
        }
        activeRules.add(rule);
        return true;
    }

    void clear(String rule) {
        activeRules.remove(rule);
    }
}
