package dev.redrain.monitor;

import dev.redrain.core.event.BudgetAlert;
import java.time.Instant;

/**
 * What the webhook tells Alertmanager about an alert: that it fires until {@code endsAt} (a
 * new alert, or a re-send while its condition holds, which moves {@code endsAt} on), or that
 * it was resolved at {@code endsAt}. If the monitor stops sending, Alertmanager resolves the
 * alert at its last {@code endsAt}, not after its own {@code resolve_timeout}.
 */
public record AlertNotice(BudgetAlert alert, Instant endsAt, boolean resolved) {

    static AlertNotice firing(BudgetAlert alert, Instant endsAt) {
        return new AlertNotice(alert, endsAt, false);
    }

    static AlertNotice resolved(BudgetAlert alert, Instant at) {
        return new AlertNotice(alert, at, true);
    }
}
