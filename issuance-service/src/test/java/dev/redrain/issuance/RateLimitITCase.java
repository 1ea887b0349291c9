package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.keys.RedisKeys;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = {"redrain.rate.user-per-second=3",
    "redrain.rate.scene-per-second=0"})
class RateLimitITCase extends IssuanceTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aUserOverTheLimitGets429WithRetryAfterAndReservesNothing() throws Exception {
        fixtures().festival("lim", Stage.FORMAL, 0)
                .fixed("lim-cash", "lim-formal", "CASH", "CNY", 10, 10_000, 1, null)
                .rains("lim", "CASH").load();
        List<HttpResponse<String>> responses = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            client().post("/v1/accounts/bind", "{\"appId\":\"" + APP
                    + "\",\"userId\":\"greedy\"}");
            client().post("/v1/grab", SignedClient.grabJson(APP, "warm" + i, "lim", "scene-1",
                    "rain-0"));
        }
        // Warm up (first-call costs, the user's binding), then start at the top of a second:
        // the burst (tens of ms) stays in one window.
        Thread.sleep(1_000 - System.currentTimeMillis() % 1_000 + 20);
        for (int i = 0; i < 8; i++) {
            responses.add(client().post("/v1/grab", SignedClient.grabJson(APP, "greedy", "lim",
                    "scene-1", "rain-" + i)));
        }
        long ok = responses.stream().filter(response -> response.statusCode() == 200).count();
        assertThat(ok).isEqualTo(3);
        for (HttpResponse<String> response : responses) {
            if (response.statusCode() != 200) {
                assertThat(response.statusCode()).isEqualTo(429);
                assertThat(response.headers().firstValue("Retry-After")).contains("1");
                assertThat(JSON.readTree(response.body()).get("code").asText())
                        .isEqualTo("RATE_LIMITED");
            }
        }
        assertThat(REDIS.commands().hget(new RedisKeys(REDIS.namespace())
                .budgetGranted("lim-cash", 0), "count")).isEqualTo("6");
        // Another user is not limited by the first one.
        assertThat(client().post("/v1/grab", SignedClient.grabJson(APP, "patient", "lim",
                "scene-1", "rain-0")).statusCode()).isEqualTo(200);
    }
}
