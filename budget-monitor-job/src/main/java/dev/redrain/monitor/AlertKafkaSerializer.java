package dev.redrain.monitor;

import dev.redrain.core.event.BudgetAlert;
import dev.redrain.core.event.EventSerde;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** An alert as a BudgetAlert event, keyed by its dedupe key (one problem, one partition). */
final class AlertKafkaSerializer implements KafkaRecordSerializationSchema<BudgetAlert> {
    private final String topic;
    private transient EventSerde serde;

    AlertKafkaSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(BudgetAlert alert, KafkaSinkContext context,
            Long timestamp) {
        if (serde == null) {
            serde = new EventSerde();
        }
        return new ProducerRecord<>(topic, alert.dedupeKey().getBytes(StandardCharsets.UTF_8),
                serde.serialize(alert));
    }
}
