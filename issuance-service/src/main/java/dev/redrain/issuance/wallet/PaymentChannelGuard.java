package dev.redrain.issuance.wallet;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Payouts go to a channel named explicitly, never to the simulator by default: a production
 * instance that forgot {@code redrain.payment.channel} would otherwise "pay" withdrawals
 * nobody receives. The service refuses to start without the setting.
 */
@Component
class PaymentChannelGuard {
    static final String HTTP = "http";
    static final String SIMULATED = "simulated";

    PaymentChannelGuard(@Value("${redrain.payment.channel:}") String channel) {
        require(channel);
    }

    static String require(String channel) {
        if (!HTTP.equals(channel) && !SIMULATED.equals(channel)) {
            throw new IllegalStateException("redrain.payment.channel (REDRAIN_PAYMENT_CHANNEL)"
                    + " must be set: 'http' for a real channel (redrain.payment.url and"
                    + " .merchant-key), or 'simulated' for tests and demos; was '" + channel
                    + "'");
        }
        return channel;
    }
}
