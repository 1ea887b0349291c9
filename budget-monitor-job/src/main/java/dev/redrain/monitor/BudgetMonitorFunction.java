package dev.redrain.monitor;

import dev.redrain.core.event.BudgetAlert;
import dev.redrain.core.event.BudgetAlert.AlertRule;
import dev.redrain.core.event.BudgetAlert.Severity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The monitor's rules for one (activity, stage, template) key, on event time.
 *
 * <ul>
 *   <li>Every observation adds to the key's cumulative spend at once, late or not, so the
 *       cumulative total (and the threshold rule) never misses an event. An observation whose
 *       1-minute window has already closed (the watermark passed its end) is <b>late</b>: it is
 *       counted in the cumulative total and the {@code lateEvents} metric, but closed windows
 *       are not reopened, so window rules (spike, burn rate, surges) judge what arrived in
 *       time. The watermark allows the configured out-of-orderness first.</li>
 *   <li>When a window closes (event-time timer): burn rate over the last N windows against the
 *       activity's end, spike against the trailing average, fallback and empty shares.</li>
 *   <li>When a rule snapshot arrives (processing time, every refresh): the rules are replaced
 *       and every key's cumulative spend is compared with the amount its Redis shards have
 *       granted (drift).</li>
 * </ul>
 *
 * Each rule fires once when its condition starts to hold and again only after it stopped
 * holding; thresholds fire once ever (the fired set is keyed state, so a restore from a
 * checkpoint remembers it). A key's state and timers are dropped when its activity has been
 * over for the retention period.
 */
public class BudgetMonitorFunction
        extends KeyedBroadcastProcessFunction<String, Observation, RuleSnapshot, BudgetAlert> {
    /** Rules by template id, in broadcast state. */
    public static final MapStateDescriptor<String, TemplateRule> RULES =
            new MapStateDescriptor<>("template-rules", Types.STRING,
                    TypeInformation.of(TemplateRule.class));
    static final ValueStateDescriptor<KeyState> STATE =
            new ValueStateDescriptor<>("key-state", TypeInformation.of(KeyState.class));
    static final MapStateDescriptor<Long, WindowAgg> WINDOWS =
            new MapStateDescriptor<>("open-windows", Types.LONG,
                    TypeInformation.of(WindowAgg.class));

    private final MonitorSettings settings;
    private transient ValueState<KeyState> state;
    private transient MapState<Long, WindowAgg> windows;
    private transient Counter observations;
    private transient Counter lateEvents;
    private transient Counter afterEnd;
    private transient Counter alerts;
    private transient volatile long lastSnapshotMs;

    public BudgetMonitorFunction(MonitorSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext context) {
        state = getRuntimeContext().getState(STATE);
        windows = getRuntimeContext().getMapState(WINDOWS);
        var metrics = getRuntimeContext().getMetricGroup();
        observations = metrics.counter("observations");
        lateEvents = metrics.counter("lateEvents");
        afterEnd = metrics.counter("afterEndDropped");
        alerts = metrics.counter("alerts");
        metrics.gauge("ruleSnapshotAgeMs", () -> lastSnapshotMs == 0 ? -1L
                : System.currentTimeMillis() - lastSnapshotMs);
    }

    @Override
    public void processElement(Observation observation, ReadOnlyContext ctx,
            Collector<BudgetAlert> out) throws Exception {
        observations.inc();
        TemplateRule rule = ctx.getBroadcastState(RULES).get(observation.templateId);
        TimerService timers = ctx.timerService();
        long watermark = timers.currentWatermark();
        if (rule != null && watermark >= rule.endsAtMs + settings.retentionAfterEndMs()) {
            // The key's state is gone (or going); an event this late must not recreate it.
            afterEnd.inc();
            return;
        }
        KeyState s = state.value() == null ? new KeyState() : state.value();
        s.cumulativeMinor += observation.spendMinor;
        s.cumulativeCount += observation.paidCount;
        s.lastEventMs = Math.max(s.lastEventMs, observation.eventTimeMs);
        long windowStart = Math.floorDiv(observation.eventTimeMs, settings.windowMs())
                * settings.windowMs();
        long windowEnd = windowStart + settings.windowMs();
        if (windowEnd - 1 <= watermark) {
            lateEvents.inc();
        } else {
            WindowAgg agg = windows.get(windowStart);
            if (agg == null) {
                agg = new WindowAgg();
                timers.registerEventTimeTimer(windowEnd - 1);
            }
            agg.add(observation);
            windows.put(windowStart, agg);
        }
        if (rule != null) {
            thresholds(s, rule, ctx.getCurrentKey(), windowStart, windowEnd,
                    observation.eventTimeMs, out);
            reconcileCleanup(s, rule, timers);
        }
        state.update(s);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<BudgetAlert> out)
            throws Exception {
        KeyState s = state.value();
        if (s == null) {
            return;
        }
        if (timestamp == s.cleanupTimerMs) {
            for (Long windowStart : windows.keys()) {
                ctx.timerService().deleteEventTimeTimer(windowStart + settings.windowMs() - 1);
            }
            windows.clear();
            state.clear();
            return;
        }
        long windowStart = timestamp + 1 - settings.windowMs();
        long windowEnd = timestamp + 1;
        WindowAgg agg = windows.get(windowStart);
        if (agg == null) {
            return;
        }
        windows.remove(windowStart);
        appendHistory(s, windowStart, agg.spendMinor);
        String key = ctx.getCurrentKey();
        TemplateRule rule = ctx.getBroadcastState(RULES).get(Observation.templateOf(key));
        if (rule != null) {
            thresholds(s, rule, key, windowStart, windowEnd, windowEnd, out);
            spike(s, rule, key, windowStart, windowEnd, agg, out);
            surge(s, rule, key, windowStart, windowEnd, agg, AlertRule.FALLBACK_SURGE,
                    agg.askedFallback, out);
            surge(s, rule, key, windowStart, windowEnd, agg, AlertRule.EMPTY_SURGE,
                    agg.askedEmpty, out);
            burnRate(s, rule, key, windowStart, windowEnd, out);
            reconcileCleanup(s, rule, ctx.timerService());
        }
        state.update(s);
    }

    @Override
    public void processBroadcastElement(RuleSnapshot snapshot, Context ctx,
            Collector<BudgetAlert> out) throws Exception {
        BroadcastState<String, TemplateRule> rules = ctx.getBroadcastState(RULES);
        rules.clear();
        for (TemplateRule rule : snapshot.rules) {
            rules.put(rule.templateId, rule);
        }
        lastSnapshotMs = snapshot.loadedAtMs;
        Map<String, Long> granted = snapshot.redisGrantedMinor;
        ctx.applyToKeyedState(STATE, (key, keyState) -> {
            KeyState s = keyState.value();
            String templateId = Observation.templateOf(key);
            TemplateRule rule = rules.get(templateId);
            if (s == null || rule == null) {
                return;
            }
            // Events that arrived before their rule (a job starting on a backlog) or a lowered
            // threshold are judged now rather than at the key's next event.
            long windowStart = Math.floorDiv(s.lastEventMs, settings.windowMs())
                    * settings.windowMs();
            thresholds(s, rule, key, windowStart, windowStart + settings.windowMs(),
                    s.lastEventMs, out);
            Long redis = granted == null ? null : granted.get(templateId);
            if (redis != null) {
                drift(s, rule, key, redis, snapshot.loadedAtMs, out);
            }
            keyState.update(s);
        });
    }

    // ---- rules -----------------------------------------------------------------------------

    private void thresholds(KeyState s, TemplateRule rule, String key, long windowStart,
            long windowEnd, long firedAtMs, Collector<BudgetAlert> out) {
        if (rule.budgetMinor <= 0) {
            return;
        }
        int highest = -1;
        for (int pct : rule.thresholdsPct) {
            if (!s.thresholdsFired.contains(pct)
                    && s.cumulativeMinor * 100 >= rule.budgetMinor * pct) {
                highest = pct;
            }
        }
        if (highest < 0) {
            return;
        }
        // One alert for the highest threshold crossed; lower ones crossed at the same moment
        // are marked alerted with it (one problem, one page).
        for (int pct : rule.thresholdsPct) {
            if (pct <= highest && !s.thresholdsFired.contains(pct)) {
                s.thresholdsFired.add(pct);
            }
        }
        Severity severity = highest >= 100 ? Severity.CRITICAL
                : highest >= 80 ? Severity.WARNING : Severity.INFO;
        emit(out, Alerts.alert(settings, AlertRule.THRESHOLD, severity, rule, key, highest,
                windowEnd, s.cumulativeMinor, rule.budgetMinor * highest / 100, "minor",
                windowStart, windowEnd, null, firedAtMs, String.format(
                        "%s has spent %s of its %s budget: the %d%% threshold is crossed",
                        rule.templateId, Alerts.money(s.cumulativeMinor, rule),
                        Alerts.money(rule.budgetMinor, rule), highest)));
    }

    private void spike(KeyState s, TemplateRule rule, String key, long windowStart,
            long windowEnd, WindowAgg agg, Collector<BudgetAlert> out) {
        List<Long> trailing = s.history.subList(Math.max(0, s.history.size() - 1
                - settings.spikeTrailingWindows()), s.history.size() - 1);
        if (trailing.size() < settings.spikeMinTrailingWindows()) {
            return;
        }
        long sum = trailing.stream().mapToLong(Long::longValue).sum();
        if (sum <= 0) {
            return;
        }
        // spend > factor * (sum / n)  <=>  spend * n * 100 > factor * sum, in whole numbers.
        boolean spiking = agg.spendMinor * trailing.size() * 100
                > (long) rule.spikeFactorPct * sum;
        if (!spiking) {
            s.clear(AlertRule.SPIKE.name());
            return;
        }
        if (s.activate(AlertRule.SPIKE.name())) {
            long average = sum / trailing.size();
            emit(out, Alerts.alert(settings, AlertRule.SPIKE, Severity.WARNING, rule, key, null,
                    windowEnd, agg.spendMinor, average * rule.spikeFactorPct / 100, "minor",
                    windowStart, windowEnd, null, windowEnd, String.format(
                            "%s spent %s in one minute, more than %d%% of its trailing"
                                    + " average of %s over %d minutes", rule.templateId,
                            Alerts.money(agg.spendMinor, rule), rule.spikeFactorPct,
                            Alerts.money(average, rule), trailing.size())));
        }
    }

    private void surge(KeyState s, TemplateRule rule, String key, long windowStart,
            long windowEnd, WindowAgg agg, AlertRule which, long count,
            Collector<BudgetAlert> out) {
        long asks = agg.asks();
        if (asks < settings.surgeMinAsks()) {
            return;
        }
        long sharePct = count * 100 / asks;
        if (count * 100 <= (long) rule.outcomeShareMaxPct * asks) {
            s.clear(which.name());
            return;
        }
        if (s.activate(which.name())) {
            String outcome = which == AlertRule.FALLBACK_SURGE ? "a fallback" : "nothing (EMPTY)";
            emit(out, Alerts.alert(settings, which, Severity.WARNING, rule, key, null, windowEnd,
                    sharePct, rule.outcomeShareMaxPct, "percent", windowStart, windowEnd, null,
                    windowEnd, String.format("%d%% of the %d grabs asking for %s got %s in one"
                            + " minute (limit %d%%)", sharePct, asks, rule.templateId, outcome,
                            rule.outcomeShareMaxPct)));
        }
    }

    private void burnRate(KeyState s, TemplateRule rule, String key, long windowStart,
            long windowEnd, Collector<BudgetAlert> out) {
        int n = settings.burnWindows();
        long remaining = rule.budgetMinor - s.cumulativeMinor;
        if (s.history.size() < n || windowEnd >= rule.endsAtMs || remaining <= 0) {
            return;
        }
        long spent = s.history.subList(s.history.size() - n, s.history.size()).stream()
                .mapToLong(Long::longValue).sum();
        if (spent <= 0) {
            return;
        }
        long spanMs = n * settings.windowMs();
        long leftMs = rule.endsAtMs - windowEnd;
        // Projections of time (not money): doubles are fine here.
        double ratePerMs = (double) spent / spanMs;
        long exhaustAt = windowEnd + (long) Math.ceil(remaining / ratePerMs);
        long ratePerMinute = Math.round(ratePerMs * 60_000);
        long plannedPerMinute = Math.round((double) remaining / leftMs * 60_000);
        if (exhaustAt < rule.endsAtMs - rule.burnMarginMinutes * 60_000L) {
            s.clear(AlertRule.BURN_RATE_UNDERSPEND.name());
            if (s.activate(AlertRule.BURN_RATE_EXHAUSTION.name())) {
                Severity severity = exhaustAt - windowEnd <= 10 * 60_000L ? Severity.CRITICAL
                        : Severity.WARNING;
                emit(out, Alerts.alert(settings, AlertRule.BURN_RATE_EXHAUSTION, severity, rule,
                        key, null, windowEnd, ratePerMinute, plannedPerMinute, "minor",
                        windowEnd - spanMs, windowEnd, exhaustAt, windowEnd, String.format(
                                "%s burns %s per minute (last %d min); its %s left runs out"
                                        + " %d min before the activity ends (plan: %s per"
                                        + " minute)", rule.templateId,
                                Alerts.money(ratePerMinute, rule), n,
                                Alerts.money(remaining, rule),
                                (rule.endsAtMs - exhaustAt) / 60_000,
                                Alerts.money(plannedPerMinute, rule))));
            }
            return;
        }
        s.clear(AlertRule.BURN_RATE_EXHAUSTION.name());
        long projectedSpend = (long) Math.min(remaining, ratePerMs * leftMs);
        long unused = remaining - projectedSpend;
        if (unused * 100 <= (long) rule.unusedPctMax * rule.budgetMinor) {
            s.clear(AlertRule.BURN_RATE_UNDERSPEND.name());
            return;
        }
        if (s.activate(AlertRule.BURN_RATE_UNDERSPEND.name())) {
            long unusedPct = unused * 100 / rule.budgetMinor;
            emit(out, Alerts.alert(settings, AlertRule.BURN_RATE_UNDERSPEND, Severity.INFO, rule,
                    key, null, windowEnd, unusedPct, rule.unusedPctMax, "percent",
                    windowEnd - spanMs, windowEnd, null, windowEnd, String.format(
                            "%s burns %s per minute (last %d min): %d%% of its budget (%s) would"
                                    + " be left unused when the activity ends (limit %d%%)",
                            rule.templateId, Alerts.money(ratePerMinute, rule), n, unusedPct,
                            Alerts.money(unused, rule), rule.unusedPctMax)));
        }
    }

    private void drift(KeyState s, TemplateRule rule, String key, long redisGranted,
            long nowMs, Collector<BudgetAlert> out) {
        long difference = Math.abs(redisGranted - s.cumulativeMinor);
        if (difference <= rule.driftToleranceMinor) {
            s.driftSinceMs = 0;
            s.clear(AlertRule.DRIFT.name());
            return;
        }
        if (s.driftSinceMs == 0) {
            s.driftSinceMs = nowMs;
        }
        if (nowMs - s.driftSinceMs >= rule.driftGraceSeconds * 1_000L
                && s.activate(AlertRule.DRIFT.name())) {
            emit(out, Alerts.alert(settings, AlertRule.DRIFT, Severity.CRITICAL, rule, key, null,
                    s.driftSinceMs, s.cumulativeMinor, redisGranted, "minor", s.driftSinceMs,
                    nowMs, null, nowMs, String.format("the stream counted %s issued by %s, its"
                            + " Redis budget shards %s granted: %s apart for %d s (tolerance"
                            + " %s, grace %d s)", Alerts.money(s.cumulativeMinor, rule),
                            rule.templateId, Alerts.money(redisGranted, rule),
                            Alerts.money(difference, rule), (nowMs - s.driftSinceMs) / 1_000,
                            Alerts.money(rule.driftToleranceMinor, rule),
                            rule.driftGraceSeconds)));
        }
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** Appends a closed window's spend, with zero windows for any gap since the last one. */
    private void appendHistory(KeyState s, long windowStart, long spend) {
        int keep = settings.historyWindows() + 1;
        if (s.historyEndMs != Long.MIN_VALUE && windowStart > s.historyEndMs) {
            long gaps = Math.min(keep, (windowStart - s.historyEndMs) / settings.windowMs());
            for (long i = 0; i < gaps; i++) {
                s.history.add(0L);
            }
        }
        s.history.add(spend);
        s.historyEndMs = Math.max(s.historyEndMs, windowStart + settings.windowMs());
        if (s.history.size() > keep) {
            s.history = new ArrayList<>(s.history.subList(s.history.size() - keep,
                    s.history.size()));
        }
    }

    private void reconcileCleanup(KeyState s, TemplateRule rule, TimerService timers) {
        long wanted = rule.endsAtMs + settings.retentionAfterEndMs();
        if (s.cleanupTimerMs != wanted) {
            if (s.cleanupTimerMs != Long.MIN_VALUE) {
                timers.deleteEventTimeTimer(s.cleanupTimerMs);
            }
            timers.registerEventTimeTimer(wanted);
            s.cleanupTimerMs = wanted;
        }
    }

    private void emit(Collector<BudgetAlert> out, BudgetAlert alert) {
        alerts.inc();
        out.collect(alert);
    }
}
