package dev.redrain.credit;

import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Writes a dead letter as its original key and bytes, with the reason in headers. */
final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
    private static final int MESSAGE_LENGTH_MAX = 1_000;
    private final String topic;

    DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter letter, KafkaSinkContext context,
            Long timestamp) {
        return toRecord(topic, letter);
    }

    static ProducerRecord<byte[], byte[]> toRecord(String topic, DeadLetter letter) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(DeadLetter.HEADER_REASON, utf8(letter.reason));
        String message = letter.message == null ? "" : letter.message;
        if (message.length() > MESSAGE_LENGTH_MAX) {
            message = message.substring(0, MESSAGE_LENGTH_MAX);
        }
        headers.add(DeadLetter.HEADER_MESSAGE, utf8(message));
        headers.add(DeadLetter.HEADER_SOURCE, utf8(letter.source));
        return new ProducerRecord<>(topic, null, null, letter.key, letter.value, headers);
    }

    private static byte[] utf8(String text) {
        return text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
    }
}
