package dev.redrain.issuance.grab;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.issuance.IssuanceTestBase;
import dev.redrain.issuance.SignedClient;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * A grab whose commit is slower than its claim's TTL: a second request for the same key takes
 * the claim over and answers first. The slow one must then answer the same (the key's answer
 * stands), give its own reservation back exactly once, and grant nothing of its own.
 */
@TestPropertySource(properties = "redrain.grab-claim-ttl=300ms")
class ClaimRaceITCase extends IssuanceTestBase {

    @Autowired
    GrabService grabs;

    @Test
    void aCommitSlowerThanItsClaimLosesToTheTakeOverAndGivesItsReservationBack()
            throws Exception {
        fixtures().festival("cr", Stage.FORMAL, 0)
                .fixed("cr-cash", "cr-formal", "CASH", "CNY", 10, 1_000, 1, null)
                .rains("cr", "CASH").load();
        CountDownLatch slowCommitReached = new CountDownLatch(1);
        CountDownLatch takeOverAnswered = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        grabs.beforeCommit = () -> {
            if (first.compareAndSet(true, false)) {
                slowCommitReached.countDown();
                try {
                    // Far past the 300 ms claim: the second request takes the key over.
                    assertThat(takeOverAnswered.await(10, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try {
            CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(
                    () -> grab("racer"));
            assertThat(slowCommitReached.await(10, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(600); // the slow request's claim expires
            JsonNode takeOver = ok(grab("racer"));
            takeOverAnswered.countDown();
            JsonNode slowAnswer = ok(slow.get(10, TimeUnit.SECONDS));
            assertThat(slowAnswer.get("outTradeNo").asText())
                    .as("the key's one answer").isEqualTo(takeOver.get("outTradeNo").asText());
        } finally {
            grabs.beforeCommit = () -> { };
        }
        RedisKeys keys = new RedisKeys(REDIS.namespace());
        Thread.sleep(500); // a give-back the releaser retried would land meanwhile
        assertThat(REDIS.commands().get(keys.budgetRemaining("cr-cash", 0)))
                .as("one award granted, the other reservation given back").isEqualTo("990");
        assertThat(REDIS.commands().keys(REDIS.namespace() + ":*released*"))
                .as("exactly one give-back").hasSize(1);
        assertThat(REDIS.commands().keys(REDIS.namespace() + ":*:tok:*")).hasSize(1);
    }

    private HttpResponse<String> grab(String userId) {
        return client().post("/v1/grab", SignedClient.grabJson(APP, userId, "cr", "scene-1",
                "rain-1"));
    }
}
