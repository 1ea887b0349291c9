package dev.redrain.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.core.event.BudgetAlert;
import dev.redrain.core.event.BudgetAlert.AlertRule;
import dev.redrain.core.event.BudgetAlert.Severity;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each rule of the monitor fired and kept silent with controlled event time, on Flink's own
 * operator test harness (the real keyed state, timers and broadcast state of the operator).
 */
class BudgetMonitorFunctionTest {
    static final long T0 = Instant.parse("2026-11-26T12:00:00Z").toEpochMilli();
    static final long MINUTE = 60_000;
    static final MonitorSettings SETTINGS = new MonitorSettings(MINUTE, 3, 5, 3, 10,
            10 * MINUTE, "runbooks/budget-alert.md");

    private KeyedBroadcastOperatorTestHarness<String, Observation, RuleSnapshot, BudgetAlert>
            harness;

    @BeforeEach
    void start() throws Exception {
        harness = harness(null);
        rules(T0, null, rule("cash", 100_000));
    }

    @AfterEach
    void stop() throws Exception {
        harness.close();
    }

    // ---- threshold ---------------------------------------------------------------------------

    @Test
    void thresholdsFireOnceEachAndNotAgainAfterARestoreFromACheckpoint() throws Exception {
        spend("cash", T0 + 1_000, 30_000);
        assertThat(alerts(AlertRule.THRESHOLD)).isEmpty();
        spend("cash", T0 + 2_000, 25_000);
        spend("cash", T0 + 3_000, 1_000);
        spend("cash", T0 + 4_000, 29_000);
        List<BudgetAlert> fired = alerts(AlertRule.THRESHOLD);
        assertThat(fired).extracting(BudgetAlert::expectedValue).containsExactly(50_000L, 80_000L);
        assertThat(fired).extracting(BudgetAlert::severity)
                .containsExactly(Severity.INFO, Severity.WARNING);
        BudgetAlert first = fired.get(0);
        assertThat(first.observedValue()).isEqualTo(55_000);
        assertThat(first.dedupeKey()).isEqualTo("THRESHOLD:fest-formal:FORMAL:cash:50");
        assertThat(first.alertId()).isEqualTo(first.dedupeKey());
        assertThat(first.runbookUrl()).isEqualTo("runbooks/budget-alert.md#threshold");
        // What the switch needs: the parent, not the stage's child the alert is about.
        assertThat(first.activityId()).isEqualTo("fest-formal");
        assertThat(first.fallbackSwitch()).isEqualTo("fallback-only:fest");

        OperatorSubtaskState checkpoint = harness.snapshot(1, T0 + 5_000);
        harness.close();
        harness = harness(checkpoint);
        // The replay after a restore sees the same events again: nothing fires twice.
        spend("cash", T0 + 4_000, 0);
        spend("cash", T0 + 6_000, 1_000);
        assertThat(alerts(AlertRule.THRESHOLD)).isEmpty();
        spend("cash", T0 + 7_000, 14_000);
        List<BudgetAlert> full = alerts(AlertRule.THRESHOLD);
        assertThat(full).extracting(BudgetAlert::expectedValue).containsExactly(100_000L);
        assertThat(full.get(0).severity()).isEqualTo(Severity.CRITICAL);
    }

    @Test
    void eventsReadBeforeTheirRuleAreJudgedWhenTheRuleArrives() throws Exception {
        rules(T0, null, rule("other", 1_000));
        spend("cash", T0 + 1_000, 60_000);
        assertThat(alerts(AlertRule.THRESHOLD)).isEmpty();
        rules(T0 + 2_000, null, rule("cash", 100_000));
        List<BudgetAlert> fired = alerts(AlertRule.THRESHOLD);
        assertThat(fired).extracting(BudgetAlert::expectedValue).containsExactly(50_000L);
        assertThat(fired.get(0).windowStart()).isEqualTo(Instant.ofEpochMilli(T0));
        rules(T0 + 3_000, null, rule("cash", 100_000));
        assertThat(alerts(AlertRule.THRESHOLD)).isEmpty();
    }

    @Test
    void alertSummariesShowAmountsInMajorUnitsOfTheirCurrency() throws Exception {
        TemplateRule cash = rule("yuan", 92_174);
        cash.minorPerMajor = 100;
        TemplateRule coupons = rule("coupons", 1_000);
        coupons.currency = "CPN";
        coupons.minorPerMajor = 1;
        rules(T0, null, cash, coupons);
        spend("yuan", T0 + 1_000, 92_174);
        spend("coupons", T0 + 1_000, 500);
        assertThat(alerts(AlertRule.THRESHOLD)).extracting(BudgetAlert::summary)
                .contains("yuan has spent 921.74 CNY of its 921.74 CNY budget: the 100%"
                        + " threshold is crossed",
                        "coupons has spent 500 CPN of its 1000 CPN budget: the 50% threshold"
                                + " is crossed");
    }

    @Test
    void thresholdsStaySilentBelowTheFirstPercentage() throws Exception {
        spend("cash", T0 + 1_000, 49_999);
        watermark(T0 + 10 * MINUTE);
        assertThat(alerts(AlertRule.THRESHOLD)).isEmpty();
    }

    @Test
    void aJumpOverSeveralThresholdsPagesOnceForTheHighest() throws Exception {
        spend("cash", T0 + 1_000, 96_000);
        assertThat(alerts(AlertRule.THRESHOLD)).extracting(BudgetAlert::expectedValue)
                .containsExactly(95_000L);
        spend("cash", T0 + 2_000, 1);
        assertThat(alerts(AlertRule.THRESHOLD)).isEmpty();
    }

    // ---- spike -------------------------------------------------------------------------------

    @Test
    void aWindowAboveTheSpikeFactorOfItsTrailingAverageFiresOnce() throws Exception {
        minutes("cash", 1_000, 1_000, 1_000, 4_000, 5_000);
        List<BudgetAlert> spikes = alerts(AlertRule.SPIKE);
        assertThat(spikes).hasSize(1);
        assertThat(spikes.get(0).observedValue()).isEqualTo(4_000);
        assertThat(spikes.get(0).expectedValue()).isEqualTo(3_000);
        assertThat(spikes.get(0).windowStart()).isEqualTo(Instant.ofEpochMilli(T0 + 3 * MINUTE));
    }

    @Test
    void aWindowWithinTheSpikeFactorStaysSilent() throws Exception {
        minutes("cash", 1_000, 1_000, 1_000, 2_900);
        assertThat(alerts(AlertRule.SPIKE)).isEmpty();
    }

    // ---- fallback and empty surges -----------------------------------------------------------

    @Test
    void aFallbackShareAboveTheLimitFires() throws Exception {
        asks("cash", T0, 6, 4, 0);
        watermark(T0 + MINUTE);
        List<BudgetAlert> surges = alerts(AlertRule.FALLBACK_SURGE);
        assertThat(surges).hasSize(1);
        assertThat(surges.get(0).observedValue()).isEqualTo(40);
        assertThat(surges.get(0).valueUnit()).isEqualTo("percent");
        assertThat(alerts(AlertRule.EMPTY_SURGE)).isEmpty();
    }

    @Test
    void aFallbackShareWithinTheLimitOrTooFewGrabsStaysSilent() throws Exception {
        asks("cash", T0, 8, 2, 0);
        asks("cash", T0 + MINUTE, 0, 5, 0);   // 100%, but only 5 grabs: not judged
        watermark(T0 + 3 * MINUTE);
        assertThat(alerts(AlertRule.FALLBACK_SURGE)).isEmpty();
    }

    @Test
    void anEmptyShareAboveTheLimitFiresOnceUntilItClears() throws Exception {
        asks("cash", T0, 5, 0, 5);
        asks("cash", T0 + MINUTE, 5, 0, 5);
        asks("cash", T0 + 2 * MINUTE, 10, 0, 0);
        asks("cash", T0 + 3 * MINUTE, 2, 0, 8);
        watermark(T0 + 5 * MINUTE);
        assertThat(alerts(AlertRule.EMPTY_SURGE)).extracting(BudgetAlert::windowStart)
                .containsExactly(Instant.ofEpochMilli(T0), Instant.ofEpochMilli(T0 + 3 * MINUTE));
    }

    @Test
    void aFiringAlertIsResentWhileItHoldsAndResolvedOnceWhenItClearsAlsoAfterARestore()
            throws Exception {
        asks("cash", T0, 5, 0, 5);
        watermark(T0 + MINUTE);
        BudgetAlert fired = alerts(AlertRule.EMPTY_SURGE).get(0);
        // Each rule snapshot (processing time) re-sends what fires, once per resend interval,
        // leased for four intervals from then.
        long now = T0 + 2 * MINUTE;
        rules(now, null, rule("cash", 100_000));
        assertThat(notices()).singleElement().satisfies(notice -> {
            assertThat(notice.resolved()).isFalse();
            assertThat(notice.alert()).isEqualTo(fired);
            assertThat(notice.endsAt()).isEqualTo(Instant.ofEpochMilli(now + 4 * MINUTE));
        });
        rules(now + 30_000, null, rule("cash", 100_000));
        assertThat(notices()).as("within the resend interval").isEmpty();

        OperatorSubtaskState checkpoint = harness.snapshot(1, now + 30_000);
        harness.close();
        harness = harness(checkpoint);
        rules(now + MINUTE, null, rule("cash", 100_000));
        assertThat(notices()).as("re-sent by the restored job").singleElement()
                .extracting(AlertNotice::alert).isEqualTo(fired);
        // The next minute's share is within the limit: resolved, at that window's end.
        asks("cash", T0 + MINUTE, 10, 0, 0);
        watermark(T0 + 2 * MINUTE);
        assertThat(notices()).singleElement().satisfies(notice -> {
            assertThat(notice.resolved()).isTrue();
            assertThat(notice.alert().alertId()).isEqualTo(fired.alertId());
            assertThat(notice.endsAt()).isEqualTo(Instant.ofEpochMilli(T0 + 2 * MINUTE));
        });
        rules(now + 3 * MINUTE, null, rule("cash", 100_000));
        assertThat(notices()).as("nothing fires any more").isEmpty();
        assertThat(alerts(AlertRule.EMPTY_SURGE)).isEmpty();
    }

    @Test
    void aHigherThresholdResolvesTheLowerOneItSupersedes() throws Exception {
        spend("cash", T0 + 1_000, 50_000);
        BudgetAlert half = alerts(AlertRule.THRESHOLD).get(0);
        assertThat(notices()).isEmpty();
        spend("cash", T0 + 2_000, 30_000);
        assertThat(alerts(AlertRule.THRESHOLD)).extracting(BudgetAlert::expectedValue)
                .containsExactly(80_000L);
        assertThat(notices()).singleElement().satisfies(notice -> {
            assertThat(notice.resolved()).isTrue();
            assertThat(notice.alert().dedupeKey()).isEqualTo(half.dedupeKey());
        });
        rules(T0 + MINUTE, null, rule("cash", 100_000));
        assertThat(notices()).extracting(notice -> notice.alert().dedupeKey())
                .containsExactly("THRESHOLD:fest-formal:FORMAL:cash:80");
    }

    @Test
    void anEmptyShareWithinTheLimitStaysSilent() throws Exception {
        asks("cash", T0, 7, 0, 3);
        watermark(T0 + 2 * MINUTE);
        assertThat(alerts(AlertRule.EMPTY_SURGE)).isEmpty();
    }

    // ---- burn rate ---------------------------------------------------------------------------

    @Test
    void aBurnRateThatExhaustsTheBudgetBeforeTheEndFiresWithTheProjectedTime() throws Exception {
        minutes("cash", 10_000, 10_000, 10_000);
        List<BudgetAlert> burns = alerts(AlertRule.BURN_RATE_EXHAUSTION);
        assertThat(burns).hasSize(1);
        BudgetAlert burn = burns.get(0);
        // 70,000 left at 10,000 a minute from minute 3: gone at minute 10, 50 min before the end.
        assertThat(burn.projectedExhaustionAt()).isEqualTo(Instant.ofEpochMilli(T0 + 10 * MINUTE));
        assertThat(burn.observedValue()).isEqualTo(10_000);
        assertThat(burn.expectedValue()).isEqualTo(70_000 / 57);
        assertThat(burn.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(alerts(AlertRule.BURN_RATE_UNDERSPEND)).isEmpty();
    }

    @Test
    void aBurnRateOnPlanStaysSilent() throws Exception {
        minutes("cash", 1_500, 1_500, 1_500, 1_500);
        assertThat(alerts(AlertRule.BURN_RATE_EXHAUSTION)).isEmpty();
        assertThat(alerts(AlertRule.BURN_RATE_UNDERSPEND)).isEmpty();
    }

    @Test
    void aBurnRateThatLeavesTooMuchUnusedFires() throws Exception {
        minutes("cash", 200, 200, 200);
        List<BudgetAlert> under = alerts(AlertRule.BURN_RATE_UNDERSPEND);
        assertThat(under).hasSize(1);
        // 99,400 left, 200 a minute for the 57 minutes left: 88,000 (88%) unused.
        assertThat(under.get(0).observedValue()).isEqualTo(88);
        assertThat(under.get(0).expectedValue()).isEqualTo(20);
        assertThat(under.get(0).severity()).isEqualTo(Severity.INFO);
    }

    // ---- drift -------------------------------------------------------------------------------

    @Test
    void aStreamAndRedisApartForLongerThanTheGraceFireOncePerEpisode() throws Exception {
        spend("cash", T0, 1_000);
        rules(T0 + 10_000, Map.of("cash", 1_000L), rule("cash", 100_000));
        rules(T0 + 20_000, Map.of("cash", 1_500L), rule("cash", 100_000));
        rules(T0 + 50_000, Map.of("cash", 1_500L), rule("cash", 100_000));
        assertThat(alerts(AlertRule.DRIFT)).isEmpty();
        rules(T0 + 80_000, Map.of("cash", 1_500L), rule("cash", 100_000));
        rules(T0 + 90_000, Map.of("cash", 1_500L), rule("cash", 100_000));
        List<BudgetAlert> drift = alerts(AlertRule.DRIFT);
        assertThat(drift).hasSize(1);
        assertThat(drift.get(0).observedValue()).isEqualTo(1_000);
        assertThat(drift.get(0).expectedValue()).isEqualTo(1_500);
        assertThat(drift.get(0).severity()).isEqualTo(Severity.CRITICAL);
        // Back in line, then apart again: a new episode, a new alert id.
        spend("cash", T0 + 1_000, 500);
        rules(T0 + 100_000, Map.of("cash", 1_500L), rule("cash", 100_000));
        rules(T0 + 110_000, Map.of("cash", 900L), rule("cash", 100_000));
        rules(T0 + 171_000, Map.of("cash", 900L), rule("cash", 100_000));
        List<BudgetAlert> again = alerts(AlertRule.DRIFT);
        assertThat(again).hasSize(1);
        assertThat(again.get(0).alertId()).isNotEqualTo(drift.get(0).alertId());
    }

    @Test
    void aDifferenceWithinTheToleranceOrShorterThanTheGraceStaysSilent() throws Exception {
        TemplateRule tolerant = rule("cash", 100_000);
        tolerant.driftToleranceMinor = 100;
        spend("cash", T0, 1_000);
        rules(T0 + 10_000, Map.of("cash", 1_100L), tolerant);
        rules(T0 + 200_000, Map.of("cash", 1_100L), tolerant);
        rules(T0 + 210_000, Map.of("cash", 1_300L), tolerant);
        rules(T0 + 250_000, Map.of("cash", 1_000L), tolerant);
        rules(T0 + 400_000, Map.of("cash", 1_000L), tolerant);
        assertThat(alerts(AlertRule.DRIFT)).isEmpty();
    }

    // ---- late events and cleanup -------------------------------------------------------------

    @Test
    void aLateEventCountsInTheCumulativeTotalButDoesNotReopenItsWindow() throws Exception {
        spend("cash", T0, 40_000);
        watermark(T0 + 5 * MINUTE);
        int timers = harness.numEventTimeTimers();
        spend("cash", T0 + 1_000, 20_000);
        assertThat(alerts(AlertRule.THRESHOLD)).extracting(BudgetAlert::expectedValue)
                .containsExactly(50_000L);
        assertThat(harness.numEventTimeTimers()).isEqualTo(timers);
        assertThat(keys("open-windows")).isZero();
    }

    @Test
    void stateAndTimersAreDroppedWhenTheActivityHasBeenOverForTheRetention() throws Exception {
        minutes("cash", 1_000, 1_000);
        spend("cash", T0 + 2 * MINUTE + 1, 10);
        assertThat(keys("key-state")).isEqualTo(1);
        assertThat(harness.numEventTimeTimers()).isGreaterThan(0);
        // Ended early by an operator: the next snapshot carries the new end.
        TemplateRule ended = rule("cash", 100_000);
        ended.endsAtMs = T0 + 3 * MINUTE;
        rules(T0 + 3 * MINUTE, null, ended);
        watermark(T0 + 3 * MINUTE);
        assertThat(keys("key-state")).isEqualTo(1);
        watermark(T0 + 3 * MINUTE + SETTINGS.retentionAfterEndMs());
        assertThat(keys("key-state")).isZero();
        assertThat(keys("open-windows")).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
        // A straggler of the ended activity does not bring the state back.
        spend("cash", T0 + 2 * MINUTE, 5);
        assertThat(keys("key-state")).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void keysAreIsolatedByActivityStageAndTemplate() throws Exception {
        rules(T0, null, rule("cash", 100_000), rule("coupon", 1_000));
        spend("coupon", T0, 600);
        spend("cash", T0, 600);
        assertThat(alerts(AlertRule.THRESHOLD)).extracting(BudgetAlert::templateId)
                .containsExactly("coupon");
    }

    // ---- helpers -----------------------------------------------------------------------------

    static TemplateRule rule(String templateId, long budget) {
        TemplateRule rule = new TemplateRule();
        rule.templateId = templateId;
        rule.activityId = "fest-formal";
        rule.parentActivityId = "fest";
        rule.stage = "FORMAL";
        rule.currency = "CNY";
        rule.budgetMinor = budget;
        rule.budgetShards = 1;
        rule.thresholdsPct = new int[] {50, 80, 95, 100};
        rule.burnMarginMinutes = 10;
        rule.unusedPctMax = 20;
        rule.spikeFactorPct = 300;
        rule.outcomeShareMaxPct = 30;
        rule.driftToleranceMinor = 0;
        rule.driftGraceSeconds = 60;
        rule.endsAtMs = T0 + 60 * MINUTE;
        return rule;
    }

    private KeyedBroadcastOperatorTestHarness<String, Observation, RuleSnapshot, BudgetAlert>
            harness(OperatorSubtaskState restore) throws Exception {
        var h = new KeyedBroadcastOperatorTestHarness<String, Observation, RuleSnapshot,
                BudgetAlert>(new CoBroadcastWithKeyedOperator<>(new BudgetMonitorFunction(
                        SETTINGS), List.of(BudgetMonitorFunction.RULES)), Observation::key,
                Types.STRING, 1, 1, 0);
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        h.processBroadcastWatermark(new Watermark(Long.MAX_VALUE));
        return h;
    }

    private void rules(long at, Map<String, Long> granted, TemplateRule... rules)
            throws Exception {
        harness.processBroadcastElement(new RuleSnapshot(at, List.of(rules), granted), at);
    }

    private void spend(String template, long at, long amount) throws Exception {
        Observation o = new Observation("fest-formal", "FORMAL", template, at, amount,
                amount > 0 ? 1 : 0, "AWARDED");
        harness.processElement(o, at);
    }

    /** One spend per minute from T0, then the watermark past the last minute. */
    private void minutes(String template, long... amounts) throws Exception {
        for (int i = 0; i < amounts.length; i++) {
            spend(template, T0 + i * MINUTE + 1_000, amounts[i]);
            watermark(T0 + (i + 1) * MINUTE);
        }
    }

    private void asks(String template, long minuteStart, int awarded, int fallback, int empty)
            throws Exception {
        for (int i = 0; i < awarded; i++) {
            harness.processElement(new Observation("fest-formal", "FORMAL", template,
                    minuteStart + i, 10, 1, "AWARDED"), minuteStart + i);
        }
        for (int i = 0; i < fallback; i++) {
            harness.processElement(new Observation("fest-formal", "FORMAL", template,
                    minuteStart + i, 0, 0, "FALLBACK"), minuteStart + i);
        }
        for (int i = 0; i < empty; i++) {
            harness.processElement(new Observation("fest-formal", "FORMAL", template,
                    minuteStart + i, 0, 0, "EMPTY"), minuteStart + i);
        }
    }

    private void watermark(long at) throws Exception {
        harness.processWatermark(new Watermark(at));
    }

    private final List<BudgetAlert> drained = new java.util.ArrayList<>();

    /** Alerts of one rule emitted and not yet taken by an earlier call. */
    private List<BudgetAlert> alerts(AlertRule rule) {
        drained.addAll(harness.extractOutputValues());
        harness.getOutput().clear();
        List<BudgetAlert> mine = drained.stream().filter(alert -> alert.rule() == rule).toList();
        drained.removeIf(alert -> alert.rule() == rule);
        return mine;
    }

    /** Re-sends and resolutions for the webhook since the last call. */
    private List<AlertNotice> notices() {
        var queue = harness.getSideOutput(BudgetMonitorFunction.NOTICES);
        if (queue == null) {
            return List.of();
        }
        List<AlertNotice> notices = queue.stream().map(record -> record.getValue()).toList();
        queue.clear();
        return notices;
    }

    private long keys(String state) throws Exception {
        return harness.getOperator().<String>getKeyedStateBackend()
                .getKeys(state, VoidNamespace.INSTANCE).count();
    }
}
