package dev.redrain.core.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.testsupport.KafkaExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class KafkaRoundTripITCase {
    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();

    private final EventSerde serde = new EventSerde();

    @Test
    void anEventProducedIsConsumedAsTheSameBytesAndDecodesToTheSameEvent() throws Exception {
        String topic = KAFKA.createTopic("token-issued", 3);
        List<TokenIssued> sent = new ArrayList<>();
        List<byte[]> sentBytes = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KAFKA.producerProperties())) {
            for (int i = 0; i < 30; i++) {
                TokenIssued event = EventFixtures.awarded(
                        "2026112520301512300" + (i % 10) + "7K2M9QX4T" + (char) ('A' + i % 20),
                        "A" + i, 100 + i);
                byte[] bytes = serde.serialize(event);
                sent.add(event);
                sentBytes.add(bytes);
                producer.send(new ProducerRecord<>(topic, event.outTradeNo(), bytes)).get();
            }
        }
        List<ConsumerRecord<String, byte[]>> received = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(KAFKA.consumerProperties("round-trip"))) {
            consumer.subscribe(Set.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (received.size() < sent.size() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
            }
        }
        assertThat(received).hasSize(sent.size());
        List<byte[]> receivedBytes = received.stream().map(ConsumerRecord::value).toList();
        assertThat(receivedBytes).usingElementComparator(java.util.Arrays::compare)
                .containsExactlyInAnyOrderElementsOf(sentBytes);
        List<RedrainEvent> decoded = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : received) {
            RedrainEvent event = serde.deserialize(record.value());
            assertThat(((TokenIssued) event).outTradeNo()).isEqualTo(record.key());
            decoded.add(event);
        }
        assertThat(decoded).containsExactlyInAnyOrderElementsOf(sent);
    }
}
