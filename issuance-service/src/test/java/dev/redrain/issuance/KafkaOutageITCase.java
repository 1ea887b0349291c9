package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.keys.Topics;
import dev.redrain.issuance.events.OutboxRelay;
import dev.redrain.kafkabroker.KafkaBrokerProcess;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Kafka stops in the middle of a rain: grabs go on answering (each after its event is in the
 * MySQL outbox), and when the broker is back the relay publishes them, in order. A grab that
 * tried Kafka first may also be delivered by the producer once the broker is back: a copy,
 * which every reader ignores (they key on the event id or the outTradeNo).
 */
class KafkaOutageITCase extends IssuanceTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final OwnBroker OWN = new OwnBroker();
    private static KafkaBrokerProcess broker;

    @Autowired
    OutboxRelay relay;

    static {
        kafkaBootstrapOverride = () -> {
            String bootstrap = OWN.bootstrap();
            broker = OWN.broker();
            return bootstrap;
        };
    }

    @AfterAll
    static void stopBroker() throws Exception {
        OWN.close();
    }

    @Test
    void grabsAnswerDuringAnOutageAndTheOutboxDrainsInOrderAfterIt() throws Exception {
        fixtures().festival("out", Stage.FORMAL, 0)
                .fixed("out-cash", "out-formal", "CASH", "CNY", 10, 100_000, 2, null)
                .rains("out", "CASH").load();
        List<String> before = grab("pre", 10);

        broker.stop();
        long start = System.nanoTime();
        List<String> during = grab("mid", 20);
        double secondsPerGrab = (System.nanoTime() - start) / 1e9 / 20;
        assertThat(secondsPerGrab).as("a grab waits for Kafka once per skip window, not each")
                .isLessThan(0.5);
        // Sends Kafka gives up on (after its delivery timeout) land in the outbox.
        long outboxDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (relay.depth() < 20 && System.nanoTime() < outboxDeadline) {
            Thread.sleep(200);
        }
        assertThat(relay.depth()).as("every event of the outage in the outbox").isEqualTo(20);
        // Grabs go on through the outbox: a load balancer's readiness probe keeps this
        // instance, and operators see Kafka out of service.
        java.net.http.HttpResponse<String> readiness = admin(null, "GET",
                "/actuator/health/readiness", null);
        assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(200);
        assertThat(readiness.body()).contains("\"UP\"").doesNotContain("components");
        assertThat(JSON.readTree(admin(OPERATOR_TOKEN, "GET", "/actuator/health/ops", null)
                .body()).at("/components/kafkaHealth/status").asText())
                .isEqualTo("OUT_OF_SERVICE");
        EventSerde serde = new EventSerde();
        List<String> outboxOrder = new ArrayList<>();
        for (byte[] payload : jdbc.queryForList("SELECT payload FROM outbox ORDER BY outbox_id",
                byte[].class)) {
            outboxOrder.add(serde.deserialize(payload, TokenIssued.class).outTradeNo());
        }
        assertThat(outboxOrder).containsExactlyInAnyOrderElementsOf(during);

        broker.startAgain();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (relay.depth() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(relay.depth()).as("outbox drained").isZero();
        List<String> after = grab("post", 5);

        List<String> published = publishedOutTradeNos(35);
        List<String> expected = new ArrayList<>(before);
        expected.addAll(during);
        expected.addAll(after);
        assertThat(published.stream().distinct().toList()).as("every event")
                .containsExactlyInAnyOrderElementsOf(expected);
        assertThat((long) published.size() - expected.size()).as("copies: only of grabs that tried"
                + " Kafka during the outage").isLessThanOrEqualTo(published.stream()
                        .filter(during::contains).distinct().count());
        assertThat(isSubsequence(outboxOrder, published)).as("the outbox drained in its order: "
                + outboxOrder + " in " + published).isTrue();
        assertThat(published.subList(0, 10)).as("before the outage, in grab order")
                .containsExactlyElementsOf(before);
    }

    private static boolean isSubsequence(List<String> order, List<String> within) {
        int next = 0;
        for (String item : within) {
            if (next < order.size() && order.get(next).equals(item)) {
                next++;
            }
        }
        return next == order.size();
    }

    private List<String> grab(String userPrefix, int count) throws Exception {
        List<String> outTradeNos = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            HttpResponse<String> response = client().post("/v1/grab", SignedClient.grabJson(APP,
                    userPrefix + i, "out", "scene-1", "rain-1"));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode answer = JSON.readTree(response.body());
            assertThat(answer.get("outcome").asText()).isEqualTo("AWARDED");
            outTradeNos.add(answer.get("outTradeNo").asText());
        }
        return outTradeNos;
    }

    private List<String> publishedOutTradeNos(int atLeast) throws Exception {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "outage-check");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class);
        EventSerde serde = new EventSerde();
        List<String> outTradeNos = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(properties)) {
            consumer.subscribe(List.of(new Topics(topicPrefix()).tokenIssued()));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    outTradeNos.add(serde.deserialize(record.value(), TokenIssued.class)
                            .outTradeNo());
                }
                if (outTradeNos.size() >= atLeast && quietUntil == Long.MAX_VALUE) {
                    quietUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                }
            }
        }
        return outTradeNos;
    }
}
