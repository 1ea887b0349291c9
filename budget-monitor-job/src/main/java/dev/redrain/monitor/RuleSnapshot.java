package dev.redrain.monitor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every template's rule and, where Redis answered, the amount its budget shards have granted,
 * read at one moment. Broadcast to every subtask of the monitor on each refresh.
 */
public class RuleSnapshot {
    /** Processing time of the read, epoch ms. */
    public long loadedAtMs;
    public List<TemplateRule> rules = new ArrayList<>();
    /** Template id to minor units granted in Redis; null when Redis could not be read. */
    public Map<String, Long> redisGrantedMinor;

    public RuleSnapshot() {
    }

    RuleSnapshot(long loadedAtMs, List<TemplateRule> rules, Map<String, Long> granted) {
        this.loadedAtMs = loadedAtMs;
        this.rules = new ArrayList<>(rules);
        this.redisGrantedMinor = granted == null ? null : new HashMap<>(granted);
    }
}
