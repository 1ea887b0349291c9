package dev.redrain.issuance.wallet;

import dev.redrain.core.money.Money;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Settles the withdrawals whose payout answer never came (DEBITED: the money sits in payout
 * clearing) by asking the channel what became of each payout, instead of waiting for the app
 * to retry:
 * <ul>
 *   <li>PAID: the withdrawal is PAID, once; the channel paid it and only the answer was
 *       lost.</li>
 *   <li>FAILED: the channel refused it; the money goes back to the wallet.</li>
 *   <li>NOT_FOUND: the request never reached the channel; the payout is asked for again
 *       under the same payout id, which the channel pays at most once.</li>
 *   <li>No clear answer, or a stated amount other than the withdrawal's: nothing changes.
 *       The withdrawal stays DEBITED, and the night reports it as unknown with its age. Money
 *       is never returned on a guess.</li>
 * </ul>
 * Every instance resolves. Two resolvers, or a resolver and the app's retry, asking about
 * one payout agree: {@link PayoutOutcomes} changes a row only at the debit it was asked for.
 */
@Component
public class PayoutResolver {
    static final String INTERVAL = "${redrain.payment.resolve-interval:30s}";
    private static final int BATCH = 200;
    private static final Logger LOG = LoggerFactory.getLogger(PayoutResolver.class);

    enum Outcome { PAID, RETURNED, STILL_UNKNOWN, AMOUNT_DIFFERS }

    private record Debited(long withdrawalId, String actId, long amountMinor, String currency,
            String debit) {
    }

    private final JdbcTemplate jdbc;
    private final PaymentGateway gateway;
    private final PayoutOutcomes outcomes;
    private final MeterRegistry meters;
    private final long quietSeconds;

    /**
     * @param quiet how long a withdrawal stays DEBITED before it is resolved: its own
     *     request may still be waiting for the channel's answer
     */
    PayoutResolver(JdbcTemplate jdbc, PaymentGateway gateway, PayoutOutcomes outcomes,
            MeterRegistry meters, @Value("${redrain.payment.resolve-after:60s}") Duration quiet) {
        this.jdbc = jdbc;
        this.gateway = gateway;
        this.outcomes = outcomes;
        this.meters = meters;
        this.quietSeconds = quiet.toSeconds();
        for (Outcome outcome : Outcome.values()) {
            meters.counter("redrain.payout.resolved", "outcome", outcome.name()); // at 0
        }
    }

    @Scheduled(fixedDelayString = INTERVAL, initialDelayString = INTERVAL)
    void resolveScheduled() {
        try {
            resolveQuiet();
        } catch (RuntimeException e) {
            LOG.warn("payout resolver: MySQL or the channel unavailable, will retry: {}",
                    e.toString());
        }
    }

    /**
     * One pass over the withdrawals DEBITED for longer than the quiet time; returns how many
     * it settled (paid or returned).
     */
    public int resolveQuiet() {
        List<Debited> rows = jdbc.query("SELECT withdrawal_id, act_id, amount_minor, currency,"
                + " debit_out_trade_no FROM wallet_withdrawal WHERE status = 'DEBITED' AND"
                + " updated_at < CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND ORDER BY updated_at"
                + " LIMIT ?", (rs, row) -> new Debited(rs.getLong(1), rs.getString(2),
                        rs.getLong(3), rs.getString(4), rs.getString(5)), quietSeconds, BATCH);
        int settled = 0;
        for (Debited row : rows) {
            Outcome outcome = resolve(row);
            meters.counter("redrain.payout.resolved", "outcome", outcome.name()).increment();
            if (outcome == Outcome.PAID || outcome == Outcome.RETURNED) {
                settled++;
            }
        }
        return settled;
    }

    private Outcome resolve(Debited row) {
        String payoutId = PayoutOutcomes.payoutId(row.withdrawalId(), row.debit());
        PaymentGateway.Payout answer = gateway.status(payoutId);
        if (answer.status() == PaymentGateway.Status.NOT_FOUND) {
            answer = gateway.pay(payoutId, row.actId(), row.amountMinor(), row.currency());
            LOG.info("payout {} of {}: the channel never had it; asked again: {}", payoutId,
                    money(row), answer.status());
        } else if (answer.amountMinor() != null && answer.amountMinor() != row.amountMinor()) {
            LOG.error("payout {}: the channel states {} for a withdrawal of {}; left DEBITED for"
                    + " finance", payoutId, Money.of(answer.amountMinor(), row.currency())
                            .display(), money(row));
            return Outcome.AMOUNT_DIFFERS;
        }
        outcomes.apply(row.withdrawalId(), row.actId(), row.amountMinor(), row.debit(), answer);
        if (answer.status() == PaymentGateway.Status.UNKNOWN) {
            return Outcome.STILL_UNKNOWN;
        }
        LOG.info("payout {} of {}: the channel says {}", payoutId, money(row), answer.status());
        return answer.status() == PaymentGateway.Status.PAID ? Outcome.PAID : Outcome.RETURNED;
    }

    private static String money(Debited row) {
        return Money.of(row.amountMinor(), row.currency()).display();
    }
}
