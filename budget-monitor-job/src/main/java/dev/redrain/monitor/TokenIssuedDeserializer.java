package dev.redrain.monitor;

import dev.redrain.core.event.EventDecodingException;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * TokenIssued records from Kafka. A record that does not decode is skipped and counted
 * ({@code undecodable}): the credit job owns the dead-letter topic for these, and the monitor
 * must not stop on them.
 */
public class TokenIssuedDeserializer implements KafkaRecordDeserializationSchema<TokenIssued> {
    private transient EventSerde serde;
    private transient Counter undecodable;

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        serde = new EventSerde();
        undecodable = context.getMetricGroup().counter("undecodable");
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<TokenIssued> out) {
        try {
            out.collect(serde.deserialize(record.value(), TokenIssued.class));
        } catch (EventDecodingException e) {
            undecodable.inc();
        }
    }

    @Override
    public TypeInformation<TokenIssued> getProducedType() {
        return TypeInformation.of(TokenIssued.class);
    }
}
