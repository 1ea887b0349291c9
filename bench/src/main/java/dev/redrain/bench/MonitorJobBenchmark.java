package dev.redrain.bench;

import dev.redrain.core.activity.Outcome;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.event.EventDecodingException;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.keys.Topics;
import dev.redrain.monitor.AlertJdbcSink;
import dev.redrain.monitor.BudgetMonitorJob;
import dev.redrain.monitor.BudgetMonitorJob.NamedSink;
import dev.redrain.monitor.MonitorSettings;
import dev.redrain.monitor.RuleSnapshot;
import dev.redrain.monitor.RuleSnapshotLoader;
import dev.redrain.monitor.TokenIssuedDeserializer;
import dev.redrain.testsupport.EmbeddedKafka;
import dev.redrain.testsupport.TestServices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Events per second the budget monitor sustains at parallelism 1 and 2, against the raw limit
 * measured in the same run: plain Kafka consumers reading and decoding the same records
 * (what the job's source must do at least), with as many consumer threads as the job has
 * subtasks. The job reads the topic from its start to its end (bounded source) with its real
 * keyed state, timers, broadcast rules (one snapshot from MySQL and Redis) and Kafka + MySQL
 * alert sinks; its rate is events / net runtime (startup included, so long runs are fairer).
 * Each path runs once unmeasured first, to warm the JIT.
 * Options: {@code --events 400000 --templates 40 --partitions 4}. Writes
 * {@code bench/target/monitor-job.md}.
 */
public final class MonitorJobBenchmark {
    private static final EventSerde SERDE = new EventSerde();

    public static void main(String[] args) throws Exception {
        ParameterTool parameters = ParameterTool.fromArgs(args);
        int events = parameters.getInt("events", 400_000);
        int templates = parameters.getInt("templates", 40);
        int partitions = parameters.getInt("partitions", 4);
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                BenchDatabase db = new BenchDatabase("monitor")) {
            Topics topics = new Topics("bm" + UUID.randomUUID().toString().substring(0, 6) + ".");
            kafka.createTopics(Map.of(topics.tokenIssued(), partitions, topics.budgetAlerts(), 1));
            Instant base = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(2, ChronoUnit.HOURS);
            seed(db, templates, base);
            publish(kafka, topics, generate(events, templates, base));
            System.out.printf(Locale.ROOT, "%d events, %d templates, %d partitions%n", events,
                    templates, partitions);
            // Warm-up (JIT) of both paths, not measured; the job's alerts of this run are the
            // same rows the measured runs would write (same ids), so they store no new ones.
            raw(kafka, topics, partitions, 1, events);
            job(kafka, db, topics, 1);
            double raw1 = raw(kafka, topics, partitions, 1, events);
            double raw2 = raw(kafka, topics, partitions, 2, events);
            double p1 = job(kafka, db, topics, 1);
            double p2 = job(kafka, db, topics, 2);
            List<String> report = new ArrayList<>();
            report.add(String.format(Locale.ROOT, "%,d events over %d templates (1-minute windows"
                    + " over 2 hours of event time), %d partitions", events, templates, partitions));
            report.add("");
            report.add("| Measurement | Events/s | Ratio to raw, same parallelism |");
            report.add("|---|---:|---:|");
            report.add(row("Raw: Kafka consumer reading and decoding the records, 1 thread", raw1,
                    raw1));
            report.add(row("Raw, 2 threads", raw2, raw2));
            report.add(row("**Budget monitor, parallelism 1**", p1, raw1));
            report.add(row("**Budget monitor, parallelism 2**", p2, raw2));
            report.add("");
            report.add(String.format(Locale.ROOT, "Scaling from parallelism 1 to 2: job x%.2f,"
                    + " raw x%.2f.", p2 / p1, raw2 / raw1));
            String table = String.join("\n", report);
            System.out.println(table);
            Path out = Path.of("bench", "target", "monitor-job.md");
            Files.createDirectories(out.getParent());
            Files.writeString(out, table + "\n");
        }
        System.exit(0);
    }

    private static void seed(BenchDatabase db, int templates, Instant base) throws Exception {
        try (Connection connection = db.dataSource.getConnection()) {
            Timestamp starts = Timestamp.from(base.minus(1, ChronoUnit.HOURS));
            Timestamp ends = Timestamp.from(base.plus(1, ChronoUnit.DAYS));
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO activity"
                    + " (activity_id, parent_activity_id, name, live_stage, stage, starts_at,"
                    + " ends_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'ACTIVE')")) {
                insert.setString(1, "bench");
                insert.setString(2, null);
                insert.setString(3, "Bench");
                insert.setString(4, "FORMAL");
                insert.setString(5, null);
                insert.setTimestamp(6, starts);
                insert.setTimestamp(7, ends);
                insert.executeUpdate();
                insert.setString(1, "bench-formal");
                insert.setString(2, "bench");
                insert.setString(4, null);
                insert.setString(5, "FORMAL");
                insert.executeUpdate();
            }
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO"
                    + " reward_template (template_id, activity_id, award_type, currency,"
                    + " amount_rule, fixed_amount_minor, budget_minor, budget_shards,"
                    + " drift_tolerance_minor) VALUES (?, 'bench-formal', 'CASH', 'CNY', 'FIXED',"
                    + " 1, 100000000, 8, 1000000000000)")) {
                for (int t = 0; t < templates; t++) {
                    insert.setString(1, "bench-t" + t);
                    insert.addBatch();
                }
                insert.executeBatch();
            }
        }
    }

    private static List<TokenIssued> generate(int count, int templates, Instant base) {
        Random random = new Random(42);
        List<TokenIssued> events = new ArrayList<>(count);
        long spanMs = Duration.ofHours(2).toMillis();
        for (int i = 0; i < count; i++) {
            Instant at = base.plusMillis(spanMs * i / count);
            String template = "bench-t" + random.nextInt(templates);
            boolean empty = random.nextInt(10) == 0;
            String actId = "A" + random.nextInt(100_000);
            events.add(new TokenIssued("ev-" + i, empty ? null : String.format("OT%010d", i),
                    actId + "_s_r" + i + "_CASH_FORMAL", "douyin", actId, "bench",
                    "bench-formal", Stage.FORMAL, "scene-1", "rain-" + i, template, template,
                    "CASH", empty ? Outcome.EMPTY : Outcome.AWARDED,
                    empty ? 0 : 1 + random.nextInt(888), "CNY", at,
                    LocalDate.ofInstant(at, ZoneOffset.UTC), null));
        }
        return events;
    }

    private static void publish(EmbeddedKafka kafka, Topics topics, List<TokenIssued> events)
            throws Exception {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(properties)) {
            for (TokenIssued event : events) {
                producer.send(new ProducerRecord<>(topics.tokenIssued(), event.actId(),
                        SERDE.serialize(event)));
            }
            producer.flush();
        }
    }

    /** Events/s of {@code threads} plain consumers splitting the partitions, decoding each. */
    private static double raw(EmbeddedKafka kafka, Topics topics, int partitions, int threads,
            int expected) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long start = System.nanoTime();
        List<Future<Long>> runs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            runs.add(pool.submit(() -> {
                Properties properties = new Properties();
                properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
                properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                        StringDeserializer.class);
                properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                        ByteArrayDeserializer.class);
                properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
                List<TopicPartition> mine = new ArrayList<>();
                for (int p = thread; p < partitions; p += threads) {
                    mine.add(new TopicPartition(topics.tokenIssued(), p));
                }
                long read = 0;
                long checksum = 0;
                try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(properties)) {
                    consumer.assign(mine);
                    consumer.seekToBeginning(mine);
                    Map<TopicPartition, Long> ends = consumer.endOffsets(mine);
                    long target = ends.values().stream().mapToLong(Long::longValue).sum();
                    while (read < target) {
                        for (ConsumerRecord<String, byte[]> record :
                                consumer.poll(Duration.ofMillis(200))) {
                            try {
                                checksum += SERDE.deserialize(record.value(), TokenIssued.class)
                                        .amountMinor();
                            } catch (EventDecodingException e) {
                                throw new IllegalStateException(e);
                            }
                            read++;
                        }
                    }
                }
                return read + (checksum < 0 ? 1 : 0);
            }));
        }
        long total = 0;
        for (Future<Long> run : runs) {
            total += run.get();
        }
        pool.shutdown();
        if (total != expected) {
            throw new IllegalStateException("raw read " + total + " of " + expected);
        }
        return total / ((System.nanoTime() - start) / 1e9);
    }

    private static double job(EmbeddedKafka kafka, BenchDatabase db, Topics topics,
            int parallelism) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        env.enableCheckpointing(5_000);
        KafkaSource<TokenIssued> source = KafkaSource.<TokenIssued>builder()
                .setBootstrapServers(kafka.bootstrapServers())
                .setTopics(topics.tokenIssued())
                .setGroupId("bench-monitor-" + UUID.randomUUID())
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setBounded(OffsetsInitializer.latest())
                .setDeserializer(new TokenIssuedDeserializer())
                .build();
        // One rule snapshot, then the rule input ends (a bounded run must be able to finish).
        DataGeneratorSource<RuleSnapshot> rules = new DataGeneratorSource<>(
                new RuleSnapshotLoader(db.jdbcUrl, TestServices.databaseUser(),
                        TestServices.databasePassword(), TestServices.redisUri(), "bench"), 1,
                RateLimiterStrategy.perSecond(1), TypeInformation.of(RuleSnapshot.class));
        new BudgetMonitorJob(source, BudgetMonitorJob.watermarks(Duration.ofSeconds(5),
                Duration.ofSeconds(30)), rules, MonitorSettings.defaults(), List.of(
                        new NamedSink("kafka", BudgetMonitorJob.kafkaSink(
                                kafka.bootstrapServers(), topics)),
                        new NamedSink("mysql", new AlertJdbcSink(db.jdbcUrl,
                                TestServices.databaseUser(), TestServices.databasePassword(),
                                100)))).build(env);
        long before = db.count("SELECT COUNT(*) FROM budget_alert");
        JobExecutionResult result = env.execute("bench-monitor-p" + parallelism);
        long alerts = db.count("SELECT COUNT(*) FROM budget_alert") - before;
        System.out.printf(Locale.ROOT, "parallelism %d: %d ms, %d alerts stored%n", parallelism,
                result.getNetRuntime(), alerts);
        long total = kafkaRecords(kafka, topics);
        return total / (result.getNetRuntime() / 1000.0);
    }

    private static long kafkaRecords(EmbeddedKafka kafka, Topics topics) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(properties)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topics.tokenIssued())
                    .stream().map(info -> new TopicPartition(info.topic(), info.partition()))
                    .toList();
            return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue)
                    .sum();
        }
    }

    private static String row(String name, double rate, double raw) {
        return String.format(Locale.ROOT, "| %s | %,.0f | %.0f%% |", name, rate,
                100.0 * rate / raw);
    }
}
