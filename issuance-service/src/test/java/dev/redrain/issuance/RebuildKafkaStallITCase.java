package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.core.activity.Stage;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * The rebuild's read of the topic is bounded: a broker that stops answering (SIGSTOP here)
 * fails the rebuild within the stall limit, with a reason, instead of holding it, and every
 * grab, forever. The next call, with the broker back, finishes it.
 */
@TestPropertySource(properties = "redrain.rebuild.topic-stall=2s")
class RebuildKafkaStallITCase extends IssuanceTestBase {
    private static final OwnBroker OWN = new OwnBroker();

    static {
        kafkaBootstrapOverride = OWN::bootstrap;
    }

    @AfterAll
    static void stopBroker() throws Exception {
        OWN.close();
    }

    @Test
    void aBrokerThatStopsAnsweringFailsTheRebuildAndTheNextCallFinishesIt() throws Exception {
        fixtures().festival("ks", Stage.FORMAL, 0)
                .fixed("ks-cash", "ks-formal", "CASH", "CNY", 10, 10_000, 2, null)
                .rains("ks", "CASH").load();
        for (int i = 0; i < 10; i++) {
            ok(client().post("/v1/grab", SignedClient.grabJson(APP, "ks-" + i, "ks", "scene-1",
                    "rain-1")));
        }
        REDIS.deleteNamespace();
        Thread.sleep(500); // a new nonce epoch; requests signed before it are refused
        OWN.broker().pause();
        HttpResponse<String> failed;
        long started = System.nanoTime();
        try {
            failed = admin(OPERATOR_TOKEN, "POST", "/admin/budgets/rebuild",
                    "{\"reason\":\"redis restarted empty\",\"waitSeconds\":30}");
        } finally {
            OWN.broker().resume();
        }
        expect(failed, 503, "REBUILD_FAILED");
        assertThat(failed.body()).contains("is Kafka up?");
        assertThat((System.nanoTime() - started) / 1e9).as("failed within the limit, seconds")
                .isLessThan(20);

        var done = ok(admin(OPERATOR_TOKEN, "POST", "/admin/budgets/rebuild",
                "{\"reason\":\"kafka back\",\"waitSeconds\":30}"));
        assertThat(done.get("status").asText()).isEqualTo("DONE");
        assertThat(done.get("events").asInt()).isEqualTo(10);
    }
}
