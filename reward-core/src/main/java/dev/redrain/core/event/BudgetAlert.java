package dev.redrain.core.event;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.ids.Identifiers;
import java.time.Instant;

/**
 * An alert from the budget monitor. {@code dedupeKey} names the problem (rule, template and,
 * for thresholds, the percentage) so that one problem pages once; {@code alertId} names this
 * firing and makes the MySQL sink idempotent.
 *
 * @param valueUnit what observed and expected count: {@code minor} (money), {@code percent},
 *     {@code count} or {@code ms}
 * @param projectedExhaustionAt when the budget runs out at the current rate, where it applies
 * @param parentActivityId the activity grabs name, which the degradation switches name too
 *     ({@code activityId} is its stage's child); null in alerts written before it was carried
 */
public record BudgetAlert(
        String eventId,
        String alertId,
        String dedupeKey,
        Severity severity,
        AlertRule rule,
        String activityId,
        String parentActivityId,
        Stage stage,
        String templateId,
        long observedValue,
        long expectedValue,
        String valueUnit,
        Instant windowStart,
        Instant windowEnd,
        Instant projectedExhaustionAt,
        String runbookUrl,
        String summary,
        Instant firedAt) implements RedrainEvent {

    /** The switch that sends the parent's grabs to the fallback, or null without a parent. */
    public String fallbackSwitch() {
        return parentActivityId == null ? null : "fallback-only:" + parentActivityId;
    }

    /** How urgently a person must act. */
    public enum Severity { INFO, WARNING, CRITICAL }

    /** The monitor's rules; each has a section in runbooks/budget-alert.md. */
    public enum AlertRule {
        THRESHOLD, BURN_RATE_EXHAUSTION, BURN_RATE_UNDERSPEND, SPIKE, FALLBACK_SURGE, EMPTY_SURGE,
        DRIFT
    }

    public BudgetAlert {
        Fields.text("eventId", eventId);
        Fields.text("alertId", alertId);
        Fields.text("dedupeKey", dedupeKey);
        Fields.present("severity", severity);
        Fields.present("rule", rule);
        Identifiers.require("activityId", activityId);
        if (parentActivityId != null) {
            Identifiers.require("parentActivityId", parentActivityId);
        }
        Fields.present("stage", stage);
        Identifiers.require("templateId", templateId);
        Fields.text("valueUnit", valueUnit);
        Fields.present("windowStart", windowStart);
        Fields.present("windowEnd", windowEnd);
        if (windowEnd.isBefore(windowStart)) {
            throw new IllegalArgumentException("windowEnd is before windowStart");
        }
        Fields.text("runbookUrl", runbookUrl);
        Fields.text("summary", summary);
        Fields.present("firedAt", firedAt);
    }
}
