package dev.redrain.issuance.wallet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PaymentChannelGuardTest {
    @Test
    void aChannelMustBeNamedExplicitly() {
        for (String missing : new String[] {"", " ", "simulator", "HTTP"}) {
            assertThatThrownBy(() -> PaymentChannelGuard.require(missing))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("redrain.payment.channel");
        }
        assertThat(PaymentChannelGuard.require("http")).isEqualTo("http");
        assertThat(PaymentChannelGuard.require("simulated")).isEqualTo("simulated");
    }
}
