package dev.redrain.monitor;

import dev.redrain.core.event.BudgetAlert;
import dev.redrain.core.event.BudgetAlert.AlertRule;
import dev.redrain.core.event.BudgetAlert.Severity;
import dev.redrain.core.event.EventDecodingException;
import dev.redrain.core.event.EventSerde;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
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
import org.apache.flink.util.OutputTag;

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
    /** Re-sends and resolutions of alerts, for the webhook only (the other sinks keep firings). */
    public static final OutputTag<AlertNotice> NOTICES = new OutputTag<>("alert-notices",
            TypeInformation.of(AlertNotice.class));
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
    private transient EventSerde serde;
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
        serde = new EventSerde();
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
        Consumer<AlertNotice> notices = notice -> ctx.output(NOTICES, notice);
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
                    observation.eventTimeMs, out, notices);
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
        Consumer<AlertNotice> notices = notice -> ctx.output(NOTICES, notice);
        if (timestamp == s.cleanupTimerMs) {
            // The activity is over: whatever still fires about it is resolved.
            for (String json : s.firing.values()) {
                notices.accept(AlertNotice.resolved(decode(json), Instant.ofEpochMilli(
                        timestamp)));
            }
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
            thresholds(s, rule, key, windowStart, windowEnd, windowEnd, out, notices);
            spike(s, rule, key, windowStart, windowEnd, agg, out, notices);
            surge(s, rule, key, windowStart, windowEnd, agg, AlertRule.FALLBACK_SURGE,
                    agg.askedFallback, out, notices);
            surge(s, rule, key, windowStart, windowEnd, agg, AlertRule.EMPTY_SURGE,
                    agg.askedEmpty, out, notices);
            burnRate(s, rule, key, windowStart, windowEnd, out, notices);
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
        Consumer<AlertNotice> notices = notice -> ctx.output(NOTICES, notice);
        ctx.applyToKeyedState(STATE, (key, keyState) -> {
            KeyState s = keyState.value();
            if (s != null && resend(s, snapshot.loadedAtMs, notices)) {
                keyState.update(s);
            }
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
                    s.lastEventMs, out, notices);
            Long redis = granted == null ? null : granted.get(templateId);
            if (redis != null) {
                drift(s, rule, key, redis, snapshot.loadedAtMs, out, notices);
            }
            keyState.update(s);
        });
    }

    // ---- rules -----------------------------------------------------------------------------

    private void thresholds(KeyState s, TemplateRule rule, String key, long windowStart,
            long windowEnd, long firedAtMs, Collector<BudgetAlert> out,
            Consumer<AlertNotice> notices) {
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
        fire(s, out, notices, Alerts.alert(
                settings, AlertRule.THRESHOLD, severity, rule, key, highest,
                windowEnd, s.cumulativeMinor, rule.budgetMinor * highest / 100, "minor",
                windowStart, windowEnd, null, firedAtMs, String.format(
                        "%s has spent %s of its %s budget: the %d%% threshold is crossed",
                        rule.templateId, Alerts.money(s.cumulativeMinor, rule),
                        Alerts.money(rule.budgetMinor, rule), highest)));
    }

    private void spike(KeyState s, TemplateRule rule, String key, long windowStart,
            long windowEnd, WindowAgg agg, Collector<BudgetAlert> out,
            Consumer<AlertNotice> notices) {
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
            resolve(s, AlertRule.SPIKE, key, windowEnd, notices);
            return;
        }
        if (s.activate(AlertRule.SPIKE.name())) {
            long average = sum / trailing.size();
            fire(s, out, notices, Alerts.alert(
                    settings, AlertRule.SPIKE, Severity.WARNING, rule, key, null,
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
            Collector<BudgetAlert> out,
            Consumer<AlertNotice> notices) {
        long asks = agg.asks();
        if (asks < settings.surgeMinAsks()) {
            return;
        }
        long sharePct = count * 100 / asks;
        if (count * 100 <= (long) rule.outcomeShareMaxPct * asks) {
            resolve(s, which, key, windowEnd, notices);
            return;
        }
        if (s.activate(which.name())) {
            String outcome = which == AlertRule.FALLBACK_SURGE ? "a fallback" : "nothing (EMPTY)";
            fire(s, out, notices, Alerts.alert(
                    settings, which, Severity.WARNING, rule, key, null, windowEnd,
                    sharePct, rule.outcomeShareMaxPct, "percent", windowStart, windowEnd, null,
                    windowEnd, String.format("%d%% of the %d grabs asking for %s got %s in one"
                            + " minute (limit %d%%)", sharePct, asks, rule.templateId, outcome,
                            rule.outcomeShareMaxPct)));
        }
    }

    private void burnRate(KeyState s, TemplateRule rule, String key, long windowStart,
            long windowEnd, Collector<BudgetAlert> out,
            Consumer<AlertNotice> notices) {
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
            resolve(s, AlertRule.BURN_RATE_UNDERSPEND, key, windowEnd, notices);
            if (s.activate(AlertRule.BURN_RATE_EXHAUSTION.name())) {
                Severity severity = exhaustAt - windowEnd <= 10 * 60_000L ? Severity.CRITICAL
                        : Severity.WARNING;
                fire(s, out, notices, Alerts.alert(
                        settings, AlertRule.BURN_RATE_EXHAUSTION, severity, rule,
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
        resolve(s, AlertRule.BURN_RATE_EXHAUSTION, key, windowEnd, notices);
        long projectedSpend = (long) Math.min(remaining, ratePerMs * leftMs);
        long unused = remaining - projectedSpend;
        if (unused * 100 <= (long) rule.unusedPctMax * rule.budgetMinor) {
            resolve(s, AlertRule.BURN_RATE_UNDERSPEND, key, windowEnd, notices);
            return;
        }
        if (s.activate(AlertRule.BURN_RATE_UNDERSPEND.name())) {
            long unusedPct = unused * 100 / rule.budgetMinor;
            fire(s, out, notices, Alerts.alert(
                    settings, AlertRule.BURN_RATE_UNDERSPEND, Severity.INFO, rule,
                    key, null, windowEnd, unusedPct, rule.unusedPctMax, "percent",
                    windowEnd - spanMs, windowEnd, null, windowEnd, String.format(
                            "%s burns %s per minute (last %d min): %d%% of its budget (%s) would"
                                    + " be left unused when the activity ends (limit %d%%)",
                            rule.templateId, Alerts.money(ratePerMinute, rule), n, unusedPct,
                            Alerts.money(unused, rule), rule.unusedPctMax)));
        }
    }

    private void drift(KeyState s, TemplateRule rule, String key, long redisGranted,
            long nowMs, Collector<BudgetAlert> out,
            Consumer<AlertNotice> notices) {
        long difference = Math.abs(redisGranted - s.cumulativeMinor);
        if (difference <= rule.driftToleranceMinor) {
            s.driftSinceMs = 0;
            resolve(s, AlertRule.DRIFT, key, nowMs, notices);
            return;
        }
        if (s.driftSinceMs == 0) {
            s.driftSinceMs = nowMs;
        }
        if (nowMs - s.driftSinceMs >= rule.driftGraceSeconds * 1_000L
                && s.activate(AlertRule.DRIFT.name())) {
            fire(s, out, notices, Alerts.alert(
                    settings, AlertRule.DRIFT, Severity.CRITICAL, rule, key, null,
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

    /**
     * A new alert: to every sink, and remembered as firing. A threshold crossed supersedes the
     * key's lower ones, which are resolved (one budget, one page).
     */
    private void fire(KeyState s, Collector<BudgetAlert> out, Consumer<AlertNotice> notices,
            BudgetAlert alert) {
        alerts.inc();
        out.collect(alert);
        if (alert.rule() == AlertRule.THRESHOLD) {
            String lower = Alerts.dedupeKey(AlertRule.THRESHOLD, alert.activityId() + "|"
                    + alert.stage() + "|" + alert.templateId(), null);
            for (String dedupe : List.copyOf(s.firing.keySet())) {
                if (dedupe.startsWith(lower + ":")) {
                    notices.accept(AlertNotice.resolved(decode(s.firing.remove(dedupe)),
                            alert.firedAt()));
                }
            }
        }
        s.firing.put(alert.dedupeKey(), new String(serde.serialize(alert),
                StandardCharsets.UTF_8));
    }

    /** The rule stopped holding: its firing alert, if any, is resolved at {@code atMs}. */
    private void resolve(KeyState s, AlertRule rule, String key, long atMs,
            Consumer<AlertNotice> notices) {
        s.clear(rule.name());
        String json = s.firing.remove(Alerts.dedupeKey(rule, key, null));
        if (json != null) {
            notices.accept(AlertNotice.resolved(decode(json), Instant.ofEpochMilli(atMs)));
        }
    }

    /**
     * Re-sends the key's firing alerts once per resend interval, each kept firing for the lease
     * from now. On processing time: the rule snapshots arrive on it, events or not.
     */
    private boolean resend(KeyState s, long nowMs, Consumer<AlertNotice> notices) {
        if (s.firing.isEmpty() || nowMs - s.firingResentMs < settings.alertResendMs()) {
            return false;
        }
        Instant endsAt = Instant.ofEpochMilli(nowMs + settings.alertLeaseMs());
        for (String json : s.firing.values()) {
            notices.accept(AlertNotice.firing(decode(json), endsAt));
        }
        s.firingResentMs = nowMs;
        return true;
    }

    private BudgetAlert decode(String json) {
        try {
            return serde.deserialize(json.getBytes(StandardCharsets.UTF_8), BudgetAlert.class);
        } catch (EventDecodingException e) {
            throw new IllegalStateException("a firing alert this job wrote does not decode", e);
        }
    }
}
