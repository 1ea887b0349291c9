package dev.redrain.issuance.ops;

import dev.redrain.issuance.budget.BudgetGuard;
import dev.redrain.issuance.wallet.WithdrawalReads;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The gauges the alert rules need beyond the request and grab meters
 * ({@code ops/prometheus/redrain-rules.yml}): whether the budget guard is LIVE, how many
 * payouts wait for the channel's answer and for how long, and how long ago a nightly
 * settlement last completed. Refreshed every 5 s; a failed read keeps the last values.
 */
@Component
class OperationsGauges {
    private final BudgetGuard guard;
    private final DataSource dataSource;
    private final Clock clock;
    private final WithdrawalReads withdrawals = new WithdrawalReads();
    private volatile double payoutsUnknown;
    private volatile double settlementAgeSeconds = Double.NaN;

    OperationsGauges(BudgetGuard guard, DataSource dataSource, Clock clock,
            MeterRegistry meters) {
        this.guard = guard;
        this.dataSource = dataSource;
        this.clock = clock;
        Gauge.builder("redrain.budget.guard.live", () -> guard.state() == BudgetGuard.State.LIVE
                ? 1 : 0).description("1 while the budget guard is LIVE").register(meters);
        Gauge.builder("redrain.payouts.unknown", () -> payoutsUnknown)
                .description("withdrawals waiting for the channel's answer").register(meters);
        Gauge.builder("redrain.settlement.last.completed.age", () -> settlementAgeSeconds)
                .baseUnit("seconds").description("since a nightly settlement last completed")
                .register(meters);
    }

    @Scheduled(fixedDelay = 5_000)
    void refresh() {
        try (Connection connection = dataSource.getConnection()) {
            payoutsUnknown = withdrawals.awaitingChannel(connection);
            settlementAgeSeconds = lastCompletedAgeSeconds(connection);
        } catch (Exception e) {
            // Gauges keep their last values; the readiness probe reports the database.
        }
    }

    private double lastCompletedAgeSeconds(Connection connection) throws Exception {
        try (Statement select = connection.createStatement(); ResultSet rows = select
                .executeQuery("SELECT MAX(finished_at) FROM settlement_night_report WHERE"
                        + " status = 'COMPLETED'")) {
            Timestamp last = rows.next() ? rows.getTimestamp(1) : null;
            return last == null ? Double.NaN : Duration.between(last.toInstant(),
                    Instant.now(clock)).toSeconds();
        }
    }
}
