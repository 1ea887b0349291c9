package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Nonces live in Redis. When Redis loses them (restarted empty, failed over to a replica that
 * lacked them), a request captured before the loss must not be accepted a second time: the
 * nonce store has an epoch, and a signature older than the epoch is refused.
 */
class NonceLossITCase extends IssuanceTestBase {

    @Test
    void aRequestReplayedAfterRedisLostItsNonceIsRefused() throws Exception {
        String json = "{\"appId\":\"" + APP + "\",\"userId\":\"replayed\"}";
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        long signedAtMs = System.currentTimeMillis();
        String nonce = SignedClient.nonce();
        SignedClient client = client();
        HttpResponse<String> first = client.send("POST", "/v1/accounts/bind", body, signedAtMs,
                nonce, null);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(client.send("POST", "/v1/accounts/bind", body, signedAtMs, nonce, null)
                .statusCode()).as("a replay while the nonce is kept").isEqualTo(401);

        REDIS.deleteNamespace(); // Redis restarted with nothing: the nonce is gone
        Thread.sleep(5);

        HttpResponse<String> replay = client.send("POST", "/v1/accounts/bind", body,
                signedAtMs, nonce, null);
        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(401);
        assertThat(replay.body()).contains("\"code\":\"BAD_SIGNATURE\"")
                .contains("signed before");
        HttpResponse<String> resigned = client.post("/v1/accounts/bind", json);
        assertThat(resigned.statusCode()).as("the same call signed now: " + resigned.body())
                .isEqualTo(200);
    }
}
