package dev.redrain.credit;

/**
 * A token-issued record as it came off Kafka, not yet decoded, so that a record that does not
 * decode can be dead-lettered byte for byte. A Flink POJO.
 */
public class RawTokenRecord {
    public String topic;
    public int partition;
    public long offset;
    public byte[] key;
    public byte[] value;

    public RawTokenRecord() {
    }

    public RawTokenRecord(String topic, int partition, long offset, byte[] key, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.key = key;
        this.value = value;
    }

    /** {@code topic-partition@offset}, for logs and dead-letter headers. */
    public String position() {
        return topic + "-" + partition + "@" + offset;
    }
}
