package dev.redrain.credit;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Passes every Kafka record on undecoded: decoding happens in {@link TokenValidator}. */
final class RawTokenRecordDeserializer implements KafkaRecordDeserializationSchema<RawTokenRecord> {
    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawTokenRecord> out) {
        out.collect(new RawTokenRecord(record.topic(), record.partition(), record.offset(),
                record.key(), record.value()));
    }

    @Override
    public TypeInformation<RawTokenRecord> getProducedType() {
        return TypeInformation.of(RawTokenRecord.class);
    }
}
