package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.issuance.events.OutboxRelay;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * A grab is answered only once its event is durable: acknowledged by Kafka, or in the outbox.
 * The chaos run of seed 20261127 answered grabs whose events were still in the producer, lost
 * them with the instance, and after a Redis loss the rebuild granted their budget again while
 * the clients still held the tokens. Here the broker stalls (SIGSTOP: the events sit in the
 * producer), each answer is checked against the outbox the moment it arrives, Redis is wiped
 * and rebuilt, and the budget pays every fen exactly once.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@TestPropertySource(properties = {"redrain.events.kafka-ack-wait=300ms",
    "redrain.grab.record-deadline=1500ms"})
class DurableAnswerITCase extends IssuanceTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final OwnBroker OWN = new OwnBroker();
    private static final long AWARD_MINOR = 10;
    private static final long BUDGET_MINOR = 1_000;

    @Autowired
    OutboxRelay relay;

    static {
        kafkaBootstrapOverride = OWN::bootstrap;
    }

    @AfterAll
    static void stopBroker() throws Exception {
        OWN.close();
    }

    @Test
    @Order(1)
    void everyTokenAClientHoldsIsRecordedSoARebuildNeverGrantsItAgain() throws Exception {
        fixtures().festival("dur", Stage.FORMAL, 0)
                .fixed("dur-cash", "dur-formal", "CASH", "CNY", AWARD_MINOR, BUDGET_MINOR, 2,
                        null)
                .rains("dur", "CASH").load();
        List<JsonNode> held = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            held.add(awarded(grab("before-" + i)));
        }
        // A stalled broker: sends wait in the producer, unacknowledged.
        OWN.broker().pause();
        try {
            for (int i = 0; i < 10; i++) {
                JsonNode answer = awarded(grab("during-" + i));
                // At the moment the client has the token, the grant is on the durable record.
                assertThat(outboxOutTradeNos()).as("the outbox when the answer arrived")
                        .contains(answer.get("outTradeNo").asText());
                held.add(answer);
            }
        } finally {
            OWN.broker().resume();
        }
        // Had the instance died now, only the durable record would count; it has them all.
        awaitOutboxDrained();
        Thread.sleep(1_000);
        REDIS.deleteNamespace();
        Thread.sleep(500); // a new nonce epoch; requests signed before it are refused
        HttpResponse<String> rebuilt = admin(OPERATOR_TOKEN, "POST", "/admin/budgets/rebuild",
                "{\"reason\":\"redis restarted empty\"}");
        assertThat(rebuilt.statusCode()).as(rebuilt.body()).isEqualTo(200);
        assertThat(JSON.readTree(rebuilt.body()).get("events").asInt()).isEqualTo(15);

        RedisKeys keys = new RedisKeys(REDIS.namespace());
        for (JsonNode answer : held) {
            assertThat(REDIS.commands().hget(keys.token(answer.get("actId").asText(),
                    answer.get("outTradeNo").asText()), "status"))
                    .as("every token a client holds is known again").isNotNull();
        }
        int awardsAfter = 0;
        for (int i = 0; awardsAfter < BUDGET_MINOR && i < 200; i++) {
            JsonNode answer = ok(grab("after-" + i));
            if (answer.get("award").isNull()) {
                break;
            }
            awardsAfter++;
        }
        assertThat((held.size() + awardsAfter) * AWARD_MINOR).as("the budget, each fen once")
                .isEqualTo(BUDGET_MINOR);
    }

    @Test
    @Order(2)
    void withNeitherKafkaNorTheOutboxTheGrabWaitsAndItsRetryGetsTheSameAnswer()
            throws Exception {
        fixtures().festival("dur2", Stage.FORMAL, 0)
                .fixed("dur2-cash", "dur2-formal", "CASH", "CNY", AWARD_MINOR, BUDGET_MINOR, 2,
                        null)
                .rains("dur2", "CASH").load();
        OWN.broker().stop();
        long grantedBefore = granted("dur2-cash");
        jdbc.execute("RENAME TABLE outbox TO outbox_away");
        List<String> outboxBefore;
        try {
            HttpResponse<String> first = grab("dur2", "unrecorded");
            expect(first, 503, "GRAB_NOT_RECORDED");
            assertThat(first.headers().firstValue("Retry-After")).isPresent();
            expect(grab("dur2", "unrecorded"), 503, "GRAB_NOT_RECORDED");
            assertThat(granted("dur2-cash") - grantedBefore).as("one award decided, held back")
                    .isEqualTo(AWARD_MINOR);
        } finally {
            jdbc.execute("RENAME TABLE outbox_away TO outbox");
        }
        JsonNode answer = awarded(grab("dur2", "unrecorded"));
        assertThat(outboxOutTradeNos()).as("recorded before the retry was answered")
                .contains(answer.get("outTradeNo").asText());
        assertThat(awarded(grab("dur2", "unrecorded")).get("outTradeNo").asText())
                .isEqualTo(answer.get("outTradeNo").asText());
        assertThat(granted("dur2-cash") - grantedBefore).as("granted once").isEqualTo(AWARD_MINOR);
        OWN.broker().startAgain();
    }

    private long granted(String templateId) {
        RedisKeys keys = new RedisKeys(REDIS.namespace());
        long remaining = 0;
        for (int shard = 0; shard < 2; shard++) {
            String left = REDIS.commands().get(keys.budgetRemaining(templateId, shard));
            remaining += left == null ? 0 : Long.parseLong(left);
        }
        return BUDGET_MINOR - remaining;
    }

    private Set<String> outboxOutTradeNos() {
        EventSerde serde = new EventSerde();
        return jdbc.queryForList("SELECT payload FROM outbox", byte[].class).stream()
                .map(payload -> {
                    try {
                        return serde.deserialize(payload, TokenIssued.class).outTradeNo();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }).collect(Collectors.toSet());
    }

    private void awaitOutboxDrained() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (relay.depth() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(relay.depth()).as("outbox drained").isZero();
    }

    private HttpResponse<String> grab(String userId) {
        return grab("dur", userId);
    }

    private HttpResponse<String> grab(String activity, String userId) {
        return client().post("/v1/grab", SignedClient.grabJson(APP, userId, activity,
                "scene-1", "rain-1"));
    }

    private static JsonNode awarded(HttpResponse<String> response) throws Exception {
        JsonNode answer = ok(response);
        assertThat(answer.get("outcome").asText()).as(response.body()).isEqualTo("AWARDED");
        return answer;
    }
}
