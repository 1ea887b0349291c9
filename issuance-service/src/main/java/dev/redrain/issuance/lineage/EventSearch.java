package dev.redrain.issuance.lineage;

import dev.redrain.issuance.config.IssuanceProperties;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.springframework.stereotype.Component;

/**
 * Finds the records of one outTradeNo on a topic, for the lineage. Kafka has no index by
 * content, only by time: every partition is read from the broker's time index at {@code
 * from} up to its end as it was when the search began, within a bound on records and time,
 * and the answer says whether it got to the end. Records are read committed, as the jobs read
 * them.
 */
@Component
class EventSearch {
    static final int RECORDS_MAX = 200_000;
    static final Duration TIME_MAX = Duration.ofSeconds(5);

    /** A record holding the outTradeNo, where Kafka holds it. */
    record Found(String topic, int partition, long offset, Instant timestamp, byte[] value) {
        String where() {
            return topic + "-" + partition + "@" + offset;
        }
    }

    /**
     * @param complete every partition was read to its end; false: {@code reason} says why not
     */
    record Result(String topic, Instant from, List<Found> found, long scanned, boolean complete,
            String reason) {
    }

    private final String bootstrap;

    EventSearch(IssuanceProperties properties) {
        this.bootstrap = properties.kafkaBootstrap();
    }

    Result find(String topic, Instant from, String outTradeNo) {
        byte[] needle = outTradeNo.getBytes(StandardCharsets.UTF_8);
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration
                    .ofSeconds(3));
            Map<TopicPartition, Long> starts = starts(consumer, partitions, from, ends);
            consumer.assign(starts.keySet());
            starts.forEach(consumer::seek);
            return scan(consumer, topic, from, needle, starts, ends);
        } catch (KafkaException e) {
            return new Result(topic, from, List.of(), 0, false, "Kafka unavailable: "
                    + e.getMessage());
        }
    }

    private Result scan(KafkaConsumer<byte[], byte[]> consumer, String topic, Instant from,
            byte[] needle, Map<TopicPartition, Long> starts, Map<TopicPartition, Long> ends) {
        List<Found> found = new ArrayList<>();
        long scanned = 0;
        long deadline = System.nanoTime() + TIME_MAX.toNanos();
        while (!reachedEnds(consumer, starts, ends)) {
            if (scanned >= RECORDS_MAX || System.nanoTime() > deadline) {
                return new Result(topic, from, found, scanned, false, "stopped after "
                        + scanned + " records (bounds: " + RECORDS_MAX + " records, "
                        + TIME_MAX.toSeconds() + " s)");
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                scanned++;
                if (record.value() != null && contains(record.value(), needle)) {
                    found.add(new Found(topic, record.partition(), record.offset(),
                            Instant.ofEpochMilli(record.timestamp()), record.value()));
                }
            }
        }
        return new Result(topic, from, found, scanned, true, null);
    }

    private static boolean reachedEnds(KafkaConsumer<byte[], byte[]> consumer,
            Map<TopicPartition, Long> starts, Map<TopicPartition, Long> ends) {
        for (TopicPartition partition : starts.keySet()) {
            if (consumer.position(partition, Duration.ofSeconds(3)) < ends.get(partition)) {
                return false;
            }
        }
        return true;
    }

    /** Where each partition's records at or after {@code from} begin; none: nothing to read. */
    private static Map<TopicPartition, Long> starts(KafkaConsumer<byte[], byte[]> consumer,
            List<TopicPartition> partitions, Instant from, Map<TopicPartition, Long> ends) {
        Map<TopicPartition, Long> at = new HashMap<>();
        partitions.forEach(partition -> at.put(partition, from.toEpochMilli()));
        Map<TopicPartition, Long> starts = new HashMap<>();
        consumer.offsetsForTimes(at, Duration.ofSeconds(3)).forEach((partition, offset) -> {
            if (offset != null && offset.offset() < ends.get(partition)) {
                starts.put(partition, offset.offset());
            }
        });
        return starts;
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer,
            String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(3));
        List<TopicPartition> partitions = new ArrayList<>();
        if (infos != null) {
            infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
        }
        return partitions;
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
        config.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000);
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000);
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
