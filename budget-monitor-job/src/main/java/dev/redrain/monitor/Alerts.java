package dev.redrain.monitor;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.event.BudgetAlert.AlertRule;
import dev.redrain.core.event.BudgetAlert.Severity;
import dev.redrain.core.event.BudgetAlert;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Locale;

/**
 * Builds alerts with stable ids. The dedupe key names the problem (rule and key, plus the
 * percentage for a threshold) so a pager groups its firings; the alert id names one firing, is
 * the same when a restored job replays the same input, and makes the MySQL sink idempotent.
 */
final class Alerts {
    private Alerts() {
    }

    static String dedupeKey(AlertRule rule, String key, Integer thresholdPct) {
        return rule.name() + ":" + key.replace('|', ':')
                + (thresholdPct == null ? "" : ":" + thresholdPct);
    }

    static BudgetAlert alert(MonitorSettings settings, AlertRule rule, Severity severity,
            TemplateRule template, String key, Integer thresholdPct, long episodeMs,
            long observed, long expected, String unit, long windowStartMs, long windowEndMs,
            Long projectedExhaustionMs, long firedAtMs, String summary) {
        String dedupe = dedupeKey(rule, key, thresholdPct);
        // A threshold alerts once ever; other rules once per episode (when it began).
        String alertId = thresholdPct != null ? dedupe : dedupe + ":" + episodeMs;
        String[] parts = key.split("\\|");
        return new BudgetAlert("alert-" + alertId, alertId, dedupe, severity, rule, parts[0],
                template == null ? null : template.parentActivityId,
                Stage.valueOf(parts[1]), parts[2], observed, expected, unit,
                Instant.ofEpochMilli(windowStartMs), Instant.ofEpochMilli(windowEndMs),
                projectedExhaustionMs == null ? null : Instant.ofEpochMilli(projectedExhaustionMs),
                settings.runbookUrl() + "#" + anchor(rule), summary,
                Instant.ofEpochMilli(firedAtMs));
    }

    /** The section of runbooks/budget-alert.md for a rule. */
    static String anchor(AlertRule rule) {
        return rule.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * An amount as people read it: {@code 921.74 CNY} for a currency with 100 minor units,
     * {@code 156 CPN} for one without; {@code 92174 minor units} when the template is unknown.
     */
    static String money(long minor, TemplateRule template) {
        if (template == null) {
            return minor + " minor units";
        }
        long perMajor = template.minorPerMajor;
        int decimals = 0;
        for (long scale = perMajor; scale > 1 && scale % 10 == 0; scale /= 10) {
            decimals++;
        }
        if (perMajor <= 1 || Math.pow(10, decimals) != perMajor) {
            return minor + " " + template.currency + (perMajor > 1 ? " minor units" : "");
        }
        return BigDecimal.valueOf(minor, decimals).toPlainString() + " "
                + template.currency;
    }
}
