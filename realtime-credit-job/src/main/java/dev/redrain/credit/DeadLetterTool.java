package dev.redrain.credit;

import dev.redrain.core.keys.Topics;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The operator's tool for the credit job's dead-letter topic. It reads the topic without a
 * consumer group (it never moves anyone's offsets) and, on request, puts the original records
 * of one reason back on the token-issued topic, for a job version that can now read them.
 *
 * <pre>
 * DeadLetterTool list   --kafka.bootstrap HOST:PORT [--topic.prefix redrain.] [--show 20]
 * DeadLetterTool replay --kafka.bootstrap HOST:PORT [--topic.prefix redrain.] --reason REASON
 *                       [--from-offset N] [--dry-run]
 * </pre>
 *
 * Replaying is safe to repeat: the ledger books an outTradeNo once, so a token replayed twice,
 * or replayed after it was force-credited, is a no-op. A {@code LEDGER_CONFLICT} letter carries
 * no original event (the booked journal disagrees with the event) and is never replayed: it
 * needs a person. Runs with the job jar and Flink's lib folder on the class path (for SLF4J),
 * see {@code runbooks/credit-dead-letters.md}.
 */
public final class DeadLetterTool {
    /** Header on a replayed record: where in the dead-letter topic it came from. */
    public static final String HEADER_REPLAYED_FROM = "redrain.replayed-from";
    static final String REASON_LEDGER_CONFLICT = "LEDGER_CONFLICT";
    private static final Duration POLL = Duration.ofMillis(500);
    private static final int EMPTY_POLLS_MAX = 4;

    private final String bootstrap;
    private final Topics topics;
    private final PrintStream out;

    DeadLetterTool(String bootstrap, Topics topics, PrintStream out) {
        this.bootstrap = bootstrap;
        this.topics = topics;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !List.of("list", "replay").contains(args[0])) {
            System.err.println("usage: DeadLetterTool list|replay --kafka.bootstrap HOST:PORT"
                    + " [--topic.prefix redrain.] [--show N] [--reason R] [--from-offset N]"
                    + " [--dry-run]");
            System.exit(2);
        }
        try {
            Map<String, String> options = options(args);
            DeadLetterTool tool = new DeadLetterTool(required(options, "kafka.bootstrap"),
                    new Topics(options.getOrDefault("topic.prefix", Topics.DEFAULT.prefix())),
                    System.out);
            if (args[0].equals("list")) {
                tool.list(Integer.parseInt(options.getOrDefault("show", "20")));
            } else {
                tool.replay(required(options, "reason"),
                        Long.parseLong(options.getOrDefault("from-offset", "0")),
                        options.containsKey("dry-run"));
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        }
    }

    /** Prints the count per reason and the first {@code show} letters; returns the counts. */
    Map<String, Integer> list(int show) {
        Map<String, Integer> counts = new TreeMap<>();
        int[] shown = {0};
        out.printf("dead letters in %s:%n", topics.tokenIssuedDeadLetter());
        readAll(0, record -> {
            String reason = header(record, DeadLetter.HEADER_REASON);
            counts.merge(reason, 1, Integer::sum);
            if (shown[0]++ < show) {
                out.printf("  %d@%d %s from %s: %s (key %s, %d bytes)%n", record.partition(),
                        record.offset(), reason, header(record, DeadLetter.HEADER_SOURCE),
                        header(record, DeadLetter.HEADER_MESSAGE), text(record.key()),
                        record.value() == null ? 0 : record.value().length);
            }
        });
        counts.forEach((reason, count) -> out.printf("%s: %d%n", reason, count));
        out.printf("total: %d%n", counts.values().stream().mapToInt(Integer::intValue).sum());
        return counts;
    }

    /**
     * Puts the original bytes and key of every letter with {@code reason} (at or after
     * {@code fromOffset} in each partition) back on the token-issued topic; returns how many.
     */
    int replay(String reason, long fromOffset, boolean dryRun) throws Exception {
        if (reason.equals(REASON_LEDGER_CONFLICT)) {
            throw new IllegalArgumentException(REASON_LEDGER_CONFLICT + " letters carry no event"
                    + " to replay: the ledger already books that outTradeNo with other content."
                    + " See runbooks/credit-dead-letters.md.");
        }
        List<ProducerRecord<byte[], byte[]>> replays = new ArrayList<>();
        readAll(fromOffset, record -> {
            if (reason.equals(header(record, DeadLetter.HEADER_REASON))
                    && record.value() != null) {
                RecordHeaders headers = new RecordHeaders();
                headers.add(HEADER_REPLAYED_FROM, (topics.tokenIssuedDeadLetter() + "-"
                        + record.partition() + "@" + record.offset())
                        .getBytes(StandardCharsets.UTF_8));
                replays.add(new ProducerRecord<>(topics.tokenIssued(), null, null, record.key(),
                        record.value(), headers));
            }
        });
        if (dryRun) {
            out.printf("dry run: %d letters with reason %s would go back to %s%n",
                    replays.size(), reason, topics.tokenIssued());
            return replays.size();
        }
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties)) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (ProducerRecord<byte[], byte[]> replay : replays) {
                sends.add(producer.send(replay));
            }
            for (Future<RecordMetadata> send : sends) {
                send.get();
            }
        }
        out.printf("replayed %d letters with reason %s to %s%n", replays.size(), reason,
                topics.tokenIssued());
        return replays.size();
    }

    /** Reads every partition of the dead-letter topic from {@code fromOffset} to its end. */
    private void readAll(long fromOffset, Consumer<ConsumerRecord<byte[], byte[]>> action) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties)) {
            List<PartitionInfo> infos = consumer.partitionsFor(topics.tokenIssuedDeadLetter());
            if (infos == null || infos.isEmpty()) {
                throw new IllegalArgumentException("no topic " + topics.tokenIssuedDeadLetter());
            }
            List<TopicPartition> partitions = infos.stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            for (TopicPartition partition : partitions) {
                consumer.seek(partition, fromOffset);
            }
            int emptyPolls = 0;
            while (!reachedEnd(consumer, ends) && emptyPolls < EMPTY_POLLS_MAX) {
                var records = consumer.poll(POLL);
                emptyPolls = records.isEmpty() ? emptyPolls + 1 : 0;
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    if (record.offset() < ends.get(new TopicPartition(record.topic(),
                            record.partition()))) {
                        action.accept(record);
                    }
                }
            }
        }
    }

    private static boolean reachedEnd(KafkaConsumer<byte[], byte[]> consumer,
            Map<TopicPartition, Long> ends) {
        return ends.entrySet().stream()
                .allMatch(end -> consumer.position(end.getKey()) >= end.getValue());
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return bytes == null ? "-" : new String(bytes, StandardCharsets.UTF_8);
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new TreeMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
            String name = args[i].substring(2);
            boolean flag = i + 1 >= args.length || args[i + 1].startsWith("--");
            options.put(name, flag ? "true" : args[++i]);
        }
        return options;
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null || value.equals("true")) {
            throw new IllegalArgumentException("--" + name + " VALUE is required");
        }
        return value;
    }
}
