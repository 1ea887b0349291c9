package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redrain.client.RedrainClient;
import dev.redrain.client.RedrainException;
import dev.redrain.core.activity.Stage;
import org.junit.jupiter.api.Test;

/** The app teams' client SDK against the real service: a first grab, a withdrawal, refusals. */
class ClientSdkITCase extends IssuanceTestBase {
    @Test
    void anAppTeamsFirstGrabAndWithdrawalThroughTheClient() {
        fixtures().festival("sdk", Stage.FORMAL, 0)
                .fixed("sdk-cash", "sdk-formal", "CASH", "CNY", 88, 88_000, 4, null)
                .rains("sdk", "CASH").load();
        RedrainClient client = RedrainClient.builder("http://127.0.0.1:" + port, APP, SECRET)
                .build();

        RedrainClient.Grab grab = client.grab("sdk-user", "sdk", "scene-1", "rain-1");
        assertThat(grab.outcome()).isEqualTo("AWARDED");
        assertThat(grab.award().amountMinor()).isEqualTo(88);
        assertThat(client.grab("sdk-user", "sdk", "scene-1", "rain-1").outTradeNo())
                .as("the same tap, the same answer").isEqualTo(grab.outTradeNo());
        RedrainClient.Balance balance = client.wallet(grab.actId(), "CNY");
        assertThat(balance.availableMinor() + balance.pendingMinor()).isEqualTo(88);

        RedrainClient.Withdrawal paid = client.withdraw(grab.actId(), "sdk-w1", 88);
        assertThat(paid.status()).isEqualTo("PAID");
        assertThat(client.tokens().tokens(grab.actId())).isEmpty();
        assertThat(client.wallet(grab.actId(), "CNY").availableMinor()).isZero();

        assertThatThrownBy(() -> client.withdraw(grab.actId(), "sdk-w2", 1))
                .isInstanceOf(RedrainException.InsufficientBalance.class);
        assertThatThrownBy(() -> client.grab("sdk-user", "sdk", "scene-1", "no-such-rain"))
                .isInstanceOfSatisfying(RedrainException.NotGrabbable.class, refused ->
                        assertThat(refused.code()).isEqualTo("UNKNOWN_RAIN"));
        RedrainClient wrongSecret = RedrainClient.builder("http://127.0.0.1:" + port, APP,
                "not-the-secret-0123456789abcdef0123").build();
        assertThatThrownBy(() -> wrongSecret.wallet(grab.actId(), "CNY"))
                .isInstanceOfSatisfying(RedrainException.class, refused ->
                        assertThat(refused.status()).isEqualTo(401));
    }
}
