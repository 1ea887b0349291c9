package dev.redrain.issuance.wallet;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * A payment channel for local use and tests: answers after a configurable latency, fails a
 * configurable share of payouts, and remembers every outcome by payout outTradeNo (a second
 * call for the same payout returns the first answer, as a real channel does). Only when
 * configured ({@code redrain.payment.channel=simulated}, {@link PaymentChannelGuard});
 * {@link HttpPaymentGateway} talks to a channel over HTTP.
 */
@Component
@ConditionalOnProperty(name = "redrain.payment.channel", havingValue = "simulated")
public class SimulatedPaymentGateway implements PaymentGateway {
    private final Duration latency;
    private volatile double failureRate;
    private volatile double unknownRate;
    private volatile double lostAnswerRate;
    private final Map<String, Payout> outcomes = new ConcurrentHashMap<>();
    private final Map<String, Long> amounts = new ConcurrentHashMap<>();

    SimulatedPaymentGateway(@Value("${redrain.payment.latency:20ms}") Duration latency,
            @Value("${redrain.payment.failure-rate:0}") double failureRate) {
        this.latency = latency;
        this.failureRate = failureRate;
    }

    /** For tests and the demo's fault knobs. */
    public void setFailureRate(double failureRate) {
        this.failureRate = failureRate;
    }

    /**
     * For tests and the demo's fault knobs: this share of payouts times out (UNKNOWN), and the
     * channel does not remember them, as if the request never reached it.
     */
    public void setUnknownRate(double unknownRate) {
        this.unknownRate = unknownRate;
    }

    /**
     * For tests: this share of payouts is decided (paid or refused) and remembered, but the
     * answer never reaches the caller, who sees UNKNOWN.
     */
    public void setLostAnswerRate(double lostAnswerRate) {
        this.lostAnswerRate = lostAnswerRate;
    }

    /** For tests: the payout ids starting with {@code prefix} this channel paid. */
    public List<String> paid(String prefix) {
        return outcomes.entrySet().stream().filter(entry -> entry.getKey().startsWith(prefix)
                && entry.getValue().status() == Status.PAID).map(Map.Entry::getKey).sorted()
                .toList();
    }

    @Override
    public Payout pay(String payoutOutTradeNo, String actId, long amountMinor, String currency) {
        if (!outcomes.containsKey(payoutOutTradeNo)
                && ThreadLocalRandom.current().nextDouble() < unknownRate) {
            return Payout.unknown("simulated timeout");
        }
        Payout outcome = outcomes.computeIfAbsent(payoutOutTradeNo, id -> {
            try {
                Thread.sleep(latency.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Payout.unknown("interrupted");
            }
            amounts.put(id, amountMinor);
            if (ThreadLocalRandom.current().nextDouble() < failureRate) {
                return new Payout(Status.FAILED, null, "simulated channel refusal");
            }
            return new Payout(Status.PAID, "SIM-" + UUID.randomUUID(), null);
        });
        if (ThreadLocalRandom.current().nextDouble() < lostAnswerRate) {
            return Payout.unknown("simulated lost answer");
        }
        return outcome;
    }

    @Override
    public Payout status(String payoutOutTradeNo) {
        Payout outcome = outcomes.get(payoutOutTradeNo);
        if (outcome == null) {
            return new Payout(Status.NOT_FOUND, null, "no such payout");
        }
        return new Payout(outcome.status(), outcome.channelRef(), outcome.reason(),
                amounts.get(payoutOutTradeNo));
    }
}
