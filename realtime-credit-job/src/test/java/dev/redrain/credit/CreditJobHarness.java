package dev.redrain.credit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.core.event.EventDecodingException;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenCredited;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.core.keys.TokenHash;
import dev.redrain.core.keys.Topics;
import dev.redrain.core.ledger.CreditSource;
import dev.redrain.testsupport.CatalogRows;
import dev.redrain.testsupport.KafkaExtension;
import dev.redrain.testsupport.MariaDbExtension;
import dev.redrain.testsupport.RedisExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One test's world: fresh topics, a job wired to the real MariaDB, Redis and Kafka of the test
 * class, and the checks every credit test ends with.
 */
final class CreditJobHarness {
    static final long CHECKPOINT_INTERVAL_MS = 300;
    private static final Duration WAIT_MAX = Duration.ofSeconds(90);

    final Topics topics = new Topics("t" + UUID.randomUUID().toString().substring(0, 8) + ".");
    final RedisKeys keys;
    private final MariaDbExtension db;
    private final RedisExtension redis;
    private final KafkaExtension kafka;
    private final EventSerde serde = new EventSerde();

    CreditJobHarness(MariaDbExtension db, RedisExtension redis, KafkaExtension kafka) {
        this.db = db;
        this.redis = redis;
        this.kafka = kafka;
        this.keys = new RedisKeys(redis.namespace());
        kafka.broker().createTopics(Map.of(topics.tokenIssued(), 3, topics.tokenCredited(), 2,
                topics.tokenIssuedDeadLetter(), 1));
        try {
            CatalogRows.uniformTemplate(db.dataSource(), TokenEvents.PARENT, TokenEvents.ACTIVITY,
                    "FORMAL", TokenEvents.TEMPLATE, "CASH", "CNY", TokenEvents.AMOUNT_MINOR_MAX,
                    1_000_000_000_000L);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot seed the catalog", e);
        }
    }

    /** The job's provenance checks: this run's key ring and the test class's database. */
    GrantCheckSettings grantChecks() {
        return new GrantCheckSettings(TokenEvents.KEYS, db.jdbcUrl(), db.user(), db.password());
    }

    CreditSinkSettings sinkSettings(int batchSize) {
        return new CreditSinkSettings(db.jdbcUrl(), db.user(), db.password(), redis.redisUri(),
                redis.namespace(), kafka.bootstrapServers(), topics.prefix(), batchSize, 100, 3600);
    }

    CreditJob job(CreditSinkSettings settings, CreditFaultInjector faults) {
        return job(settings, faults, grantChecks());
    }

    CreditJob job(CreditSinkSettings settings, CreditFaultInjector faults,
            GrantCheckSettings grantChecks) {
        ParameterTool parameters = ParameterTool.fromMap(Map.of(CreditJob.KAFKA_GROUP,
                "credit-" + topics.prefix()));
        return new CreditJob(CreditJob.kafkaSource(parameters, kafka.bootstrapServers(), topics),
                grantChecks, new LedgerCreditSink(settings, faults),
                CreditJob.deadLetterSink(kafka.bootstrapServers(), topics));
    }

    static StreamExecutionEnvironment environment(int parallelism, Configuration extra) {
        Configuration configuration = new Configuration();
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                Duration.ofMillis(200));
        configuration.addAll(extra);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(configuration);
        env.setParallelism(parallelism);
        env.enableCheckpointing(CHECKPOINT_INTERVAL_MS, CheckpointingMode.EXACTLY_ONCE);
        return env;
    }

    JobClient start(CreditJob job, StreamExecutionEnvironment env) throws Exception {
        job.build(env);
        return env.executeAsync("credit-test");
    }

    /** Publishes raw values; a null value is a tombstone. */
    void publish(List<byte[]> values) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producerProperties())) {
            for (byte[] value : values) {
                producer.send(new ProducerRecord<>(topics.tokenIssued(), null, value));
            }
            producer.flush();
        }
    }

    /** Records the tokens as the issuance service would: a pending entry per token. */
    void recordPending(Collection<TokenIssued> tokens) {
        for (TokenIssued token : tokens) {
            redis.commands().hset(keys.pending(token.actId()), token.outTradeNo(),
                    Long.toString(token.amountMinor()));
        }
    }

    void awaitJournals(long expected) throws Exception {
        await(() -> journalCount() >= expected, "ledger to hold " + expected + " journals");
    }

    long journalCount() {
        try {
            return query("SELECT COUNT(*) FROM ledger_journal");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_MAX.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    /** The invariants every credit test ends with. */
    void assertEveryTokenCreditedOnce(Collection<TokenIssued> distinctTokens) throws Exception {
        long expectedSum = distinctTokens.stream().mapToLong(TokenIssued::amountMinor).sum();
        assertThat(query("SELECT COUNT(*) FROM ledger_journal")).isEqualTo(distinctTokens.size());
        assertThat(query("SELECT COUNT(DISTINCT out_trade_no) FROM ledger_journal"))
                .isEqualTo(distinctTokens.size());
        assertThat(query("SELECT COALESCE(SUM(amount_minor), 0) FROM ledger_journal"))
                .isEqualTo(expectedSum);
        assertLedgerBalanced();
        await(() -> allCreditedInRedis(distinctTokens), "every token CREDITED in Redis");
        for (TokenIssued token : distinctTokens) {
            Map<String, String> hash = redis.commands().hgetall(keys.token(token.actId(),
                    token.outTradeNo()));
            assertThat(hash).containsEntry(TokenHash.STATUS, "CREDITED")
                    .containsEntry(TokenHash.AMOUNT_MINOR, Long.toString(token.amountMinor()));
            assertThat(redis.commands().hexists(keys.pending(token.actId()), token.outTradeNo()))
                    .isFalse();
        }
    }

    void assertLedgerBalanced() throws SQLException {
        assertThat(query("SELECT COUNT(*) FROM (SELECT journal_id FROM ledger_entry"
                + " GROUP BY journal_id HAVING SUM(amount_minor) <> 0 OR COUNT(*) <> 2) j")).isZero();
        assertThat(query("SELECT COALESCE(SUM(amount_minor), 0) FROM ledger_entry")).isZero();
        assertThat(query("SELECT COUNT(*) FROM ledger_account a WHERE a.balance_minor <>"
                + " (SELECT COALESCE(SUM(e.amount_minor), 0) FROM ledger_entry e"
                + " WHERE e.account_id = a.account_id)")).isZero();
    }

    private boolean allCreditedInRedis(Collection<TokenIssued> tokens) {
        for (TokenIssued token : tokens) {
            String status = redis.commands().hget(keys.token(token.actId(), token.outTradeNo()),
                    TokenHash.STATUS);
            if (!"CREDITED".equals(status)) {
                return false;
            }
        }
        return true;
    }

    List<ConsumerRecord<String, byte[]>> readAll(String topic, int atLeast) throws Exception {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                kafka.consumerProperties("reader-" + UUID.randomUUID()))) {
            consumer.subscribe(Set.of(topic));
            long deadline = System.nanoTime() + WAIT_MAX.toNanos();
            long quietUntil = 0;
            while (System.nanoTime() < deadline) {
                int before = records.size();
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                if (records.size() >= atLeast) {
                    if (quietUntil == 0 || records.size() != before) {
                        quietUntil = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                    } else if (System.nanoTime() > quietUntil) {
                        break;
                    }
                }
            }
        }
        return records;
    }

    /** Who booked each token, as the TokenCredited events announce it. */
    Map<String, CreditSource> creditedSources(int atLeast) throws Exception {
        Map<String, CreditSource> sources = new HashMap<>();
        for (ConsumerRecord<String, byte[]> record : readAll(topics.tokenCredited(), atLeast)) {
            TokenCredited event = serde.deserialize(record.value(), TokenCredited.class);
            CreditSource before = sources.put(event.outTradeNo(), event.source());
            assertThat(before).as("one source per token").isIn(null, event.source());
        }
        return sources;
    }

    Set<String> creditedOutTradeNos(int atLeast) throws Exception {
        Set<String> outTradeNos = new HashSet<>();
        for (ConsumerRecord<String, byte[]> record : readAll(topics.tokenCredited(), atLeast)) {
            try {
                TokenCredited event = serde.deserialize(record.value(), TokenCredited.class);
                assertThat(event.outTradeNo()).isEqualTo(record.key());
                outTradeNos.add(event.outTradeNo());
            } catch (EventDecodingException e) {
                throw new AssertionError("the job published an undecodable TokenCredited", e);
            }
        }
        return outTradeNos;
    }

    long query(String sql) throws SQLException {
        try (Connection connection = db.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }
}
