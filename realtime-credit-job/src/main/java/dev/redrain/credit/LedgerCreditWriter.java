package dev.redrain.credit;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenCredited;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.core.keys.TokenHash;
import dev.redrain.core.keys.Topics;
import dev.redrain.core.ledger.CreditRequest;
import dev.redrain.core.ledger.CreditResult;
import dev.redrain.core.ledger.LedgerUnavailableException;
import dev.redrain.core.ledger.LedgerWriter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One subtask's writer. Order per batch, and why:
 * <ol>
 *   <li>ledger (one transaction): the fact; a replay of it is a no-op;</li>
 *   <li>Redis status CREDITED: only after the ledger commit, so Redis is never ahead of the
 *       ledger; repeated for tokens the ledger already had, which heals a crash between 1 and
 *       2;</li>
 *   <li>TokenCredited to Kafka, for every token the ledger holds, whoever booked it (the
 *       stream, now or earlier, which heals a crash between 1 and 3; or the service's forced
 *       credit at withdrawal). TokenCredited is therefore at least once: consumers dedupe on
 *       the outTradeNo key; its {@code source} says who booked the token.</li>
 * </ol>
 * A failure in any step fails the task; Flink restarts it from the last checkpoint and the
 * replay repeats the steps harmlessly.
 */
final class LedgerCreditWriter implements SinkWriter<TokenToCredit> {
    private static final long REMOTE_TIMEOUT_SECONDS = 30;
    private static final int JDBC_POOL_SIZE = 2;
    private static final int HISTOGRAM_WINDOW = 2_000;

    private final CreditSinkSettings settings;
    private final CreditFaultInjector faultInjector;
    private final ProcessingTimeService timeService;
    private final int subtask;
    private final List<TokenToCredit> buffer;
    private final HikariDataSource dataSource;
    private final LedgerWriter ledger;
    private final RedisClient redisClient;
    private final StatefulRedisConnection<String, String> redis;
    private final KafkaProducer<byte[], byte[]> producer;
    private final RedisKeys keys;
    private final Topics topics;
    private final EventSerde serde = new EventSerde();
    private final Clock clock = Clock.systemUTC();
    private String markCreditedSha;
    private boolean timerPending;
    private int batches;
    private int checkpointFlushes;
    private List<RedisFuture<Object>> inFlightMarks = List.of();
    private List<Future<RecordMetadata>> inFlightSends = List.of();
    private long inFlightOldestIssuedAtMs;

    private final Counter credited;
    private final Counter alreadyCredited;
    private final Counter conflicts;
    /** Credits the ledger refused because the stage's budget is spent: dead-lettered. */
    private final Counter overBudget;
    private final Histogram batchSizes;
    private final Histogram writeLatencies;
    /** Per token: from its issue to its batch's acknowledgement by Redis and Kafka. */
    private final Histogram lags;
    private long[] inFlightIssuedAtMs = new long[0];
    private volatile long lastBatchSize;
    private volatile long lastWriteLatencyMs;
    private volatile long lastLagMs;

    LedgerCreditWriter(CreditSinkSettings settings, CreditFaultInjector faultInjector,
            WriterInitContext context) throws IOException {
        this.settings = settings;
        this.faultInjector = faultInjector;
        this.timeService = context.getProcessingTimeService();
        this.subtask = context.getTaskInfo().getIndexOfThisSubtask();
        this.buffer = new ArrayList<>(settings.batchSize());
        this.keys = new RedisKeys(settings.redisNamespace());
        this.topics = new Topics(settings.topicPrefix());
        this.dataSource = dataSource(settings);
        this.ledger = new LedgerWriter(dataSource, clock);
        this.redisClient = RedisClient.create(settings.redisUri());
        this.redis = redisClient.connect();
        // A batch's marks go out in one write (flushCommands below), not one write per command:
        // a system call per batch instead of per token, for this client and for Redis. Only
        // this writer's thread uses the connection.
        this.redis.setAutoFlushCommands(false);
        this.markCreditedSha = loadMarkScript();
        this.producer = new KafkaProducer<>(producerProperties(settings));

        MetricGroup metrics = context.metricGroup();
        credited = metrics.counter("credited");
        alreadyCredited = metrics.counter("alreadyCredited");
        conflicts = metrics.counter("conflicts");
        overBudget = metrics.counter("overBudget");
        metrics.meter("creditedPerSecond", new MeterView(credited));
        metrics.gauge("batchSize", () -> lastBatchSize);
        metrics.gauge("writeLatencyMs", () -> lastWriteLatencyMs);
        metrics.gauge("endToEndLagMs", () -> lastLagMs);
        // Distributions over the last HISTOGRAM_WINDOW samples; the REST API and reporters
        // show them as <name>_median, _p95, _p99, _max... (the gauges above are the last value).
        batchSizes = metrics.histogram("batchSizeHistogram",
                new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        writeLatencies = metrics.histogram("writeLatencyMsHistogram",
                new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        lags = metrics.histogram("endToEndLagMsHistogram",
                new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
    }

    @Override
    public void write(TokenToCredit token, Context context) throws IOException {
        buffer.add(token);
        if (buffer.size() >= settings.batchSize()) {
            writeBatch();
        } else if (!timerPending) {
            timerPending = true;
            timeService.registerTimer(timeService.getCurrentProcessingTime()
                    + settings.flushIntervalMs(), time -> {
                        timerPending = false;
                        writeBatch();
                    });
        }
    }

    /**
     * Called before every checkpoint barrier and at end of input: nothing may stay pending, not
     * even the Redis and Kafka writes of the last batch, so a completed checkpoint never covers
     * a token whose effects are not all acknowledged.
     */
    @Override
    public void flush(boolean endOfInput) throws IOException {
        checkpointFlushes++;
        writeBatch();
        awaitInFlight();
    }

    /**
     * Books the buffer in one ledger transaction, then sends its Redis marks and TokenCredited
     * events without waiting for them: they are acknowledged while the next batch's ledger
     * transaction runs (or at the next checkpoint), so the database never waits for Redis and
     * Kafka. Redis is still only ever written after the ledger commit; a failure of either is
     * raised at the next batch or checkpoint, and the job restarts from a checkpoint that
     * precedes the batch.
     */
    private void writeBatch() throws IOException {
        if (buffer.isEmpty()) {
            return;
        }
        long startedMs = clock.millis();
        List<CreditRequest> requests = new ArrayList<>(buffer.size());
        long oldestIssuedAtMs = Long.MAX_VALUE;
        for (TokenToCredit token : buffer) {
            requests.add(token.toCreditRequest());
            oldestIssuedAtMs = Math.min(oldestIssuedAtMs, token.issuedAtMs);
        }
        List<CreditResult> results;
        try {
            results = ledger.creditBatch(requests);
        } catch (LedgerUnavailableException e) {
            throw new IOException("ledger unavailable; the job restarts from its checkpoint", e);
        }
        batches++;
        lastWriteLatencyMs = clock.millis() - startedMs;
        writeLatencies.update(lastWriteLatencyMs);
        batchSizes.update(buffer.size());
        faultInjector.afterLedgerCommit(subtask, batches, checkpointFlushes);
        awaitInFlight();
        Instant creditedAt = clock.instant();
        List<RedisFuture<Object>> marks = new ArrayList<>(buffer.size());
        List<Future<RecordMetadata>> sends = new ArrayList<>(buffer.size());
        for (int i = 0; i < buffer.size(); i++) {
            TokenToCredit token = buffer.get(i);
            CreditResult result = results.get(i);
            switch (result.status()) {
                case CREDITED -> credited.inc();
                case ALREADY_CREDITED -> alreadyCredited.inc();
                case CONFLICT -> {
                    conflicts.inc();
                    sends.add(producer.send(conflictLetter(token)));
                    continue;
                }
                case OVER_BUDGET -> {
                    overBudget.inc();
                    sends.add(producer.send(overBudgetLetter(token)));
                    continue;
                }
            }
            marks.add(markCredited(token, result, creditedAt));
            // Every credited token is announced, whoever booked it: a token the service
            // force-credited at withdrawal before its event arrived here is announced now,
            // with source FORCE (it used to be announced by nobody, so a consumer that acts on
            // credits, such as the payment channel's funding, never heard of it).
            sends.add(producer.send(creditedEvent(token, result, creditedAt)));
        }
        redis.flushCommands();
        inFlightMarks = marks;
        inFlightSends = sends;
        inFlightOldestIssuedAtMs = oldestIssuedAtMs;
        long[] issuedAtMs = new long[buffer.size()];
        for (int i = 0; i < issuedAtMs.length; i++) {
            issuedAtMs[i] = buffer.get(i).issuedAtMs;
        }
        inFlightIssuedAtMs = issuedAtMs;
        lastBatchSize = buffer.size();
        buffer.clear();
    }

    /** Waits for the Redis marks and Kafka sends of the last batch booked. */
    private void awaitInFlight() throws IOException {
        if (inFlightMarks.isEmpty() && inFlightSends.isEmpty()) {
            return;
        }
        awaitAll(inFlightMarks, inFlightSends);
        inFlightMarks = List.of();
        inFlightSends = List.of();
        long now = clock.millis();
        lastLagMs = now - inFlightOldestIssuedAtMs;
        for (long issuedAtMs : inFlightIssuedAtMs) {
            lags.update(now - issuedAtMs);
        }
        inFlightIssuedAtMs = new long[0];
    }

    private String loadMarkScript() throws IOException {
        RedisFuture<String> sha = redis.async().scriptLoad(TokenHash.MARK_CREDITED_SCRIPT);
        redis.flushCommands();
        try {
            return sha.get(REMOTE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("could not load the CREDITED script into Redis", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private RedisFuture<Object> markCredited(TokenToCredit token, CreditResult result,
            Instant creditedAt) {
        String[] scriptKeys = {keys.token(token.actId, token.outTradeNo), keys.pending(token.actId)};
        String[] args = {
            token.outTradeNo, Long.toString(result.journalId()),
            Long.toString(creditedAt.toEpochMilli()), result.bookedBy().name(),
            Long.toString(settings.tokenTtlSeconds()),
            TokenHash.OUT_TRADE_NO, token.outTradeNo,
            TokenHash.ACT_ID, token.actId,
            TokenHash.ACTIVITY_ID, token.activityId,
            TokenHash.STAGE, token.stage,
            TokenHash.AWARD_TYPE, token.awardType,
            TokenHash.AMOUNT_MINOR, Long.toString(token.amountMinor),
            TokenHash.CURRENCY, token.currency,
            TokenHash.ISSUED_AT_MS, Long.toString(token.issuedAtMs)};
        RedisAsyncCommands<String, String> commands = redis.async();
        return commands.evalsha(markCreditedSha, ScriptOutputType.INTEGER, scriptKeys, args);
    }

    private ProducerRecord<byte[], byte[]> creditedEvent(TokenToCredit token, CreditResult result,
            Instant creditedAt) {
        TokenCredited event = new TokenCredited("credited-" + token.outTradeNo, token.outTradeNo,
                token.actId, token.activityId, Stage.valueOf(token.stage),
                token.awardType, token.amountMinor, token.currency, result.journalId(),
                result.bookedBy(), Instant.ofEpochMilli(token.issuedAtMs), creditedAt);
        return new ProducerRecord<>(topics.tokenCredited(),
                token.outTradeNo.getBytes(StandardCharsets.UTF_8), serde.serialize(event));
    }

    private ProducerRecord<byte[], byte[]> conflictLetter(TokenToCredit token) {
        String message = "outTradeNo " + token.outTradeNo + " is booked with another owner,"
                + " amount, asset or activity; this event was not booked";
        return DeadLetterSerializer.toRecord(topics.tokenIssuedDeadLetter(), new DeadLetter(
                "LEDGER_CONFLICT", message, "ledger", token.outTradeNo.getBytes(
                        StandardCharsets.UTF_8), null));
    }

    private ProducerRecord<byte[], byte[]> overBudgetLetter(TokenToCredit token) {
        String message = "the ledger refused " + token.amountMinor + " " + token.currency
                + " for " + token.actId + " in " + token.activityId + ": it would draw the stage's"
                + " budget beyond its templates' budgets; this event was not booked";
        return DeadLetterSerializer.toRecord(topics.tokenIssuedDeadLetter(), new DeadLetter(
                "OVER_BUDGET", message, "ledger", token.outTradeNo.getBytes(
                        StandardCharsets.UTF_8), null));
    }

    private void awaitAll(List<RedisFuture<Object>> marks, List<Future<RecordMetadata>> sends)
            throws IOException {
        try {
            for (RedisFuture<Object> mark : marks) {
                try {
                    mark.get(REMOTE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof RedisNoScriptException)) {
                        throw e;
                    }
                    // Redis restarted and lost its script cache: load it again and fail this
                    // attempt; the replay after restart marks these tokens.
                    markCreditedSha = loadMarkScript();
                    throw e;
                }
            }
            producer.flush();
            for (Future<RecordMetadata> send : sends) {
                send.get(REMOTE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("Redis or Kafka failed after the ledger commit; the replay"
                    + " after restart completes it", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public void close() {
        try {
            producer.close(Duration.ofSeconds(REMOTE_TIMEOUT_SECONDS));
        } finally {
            try {
                redis.close();
                redisClient.shutdown();
            } finally {
                dataSource.close();
            }
        }
    }

    private static HikariDataSource dataSource(CreditSinkSettings settings) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(settings.jdbcUrl());
        config.setUsername(settings.jdbcUser());
        config.setPassword(settings.jdbcPassword());
        config.setMaximumPoolSize(JDBC_POOL_SIZE);
        config.setPoolName("redrain-credit");
        // Connector/J parses every prepared SQL text on the client; the ledger's multi-row
        // statements are long and repeat batch after batch, so cache the parse per connection.
        config.addDataSourceProperty("cachePrepStmts", "true");
        config.addDataSourceProperty("prepStmtCacheSize", "64");
        config.addDataSourceProperty("prepStmtCacheSqlLimit", "65536");
        // The ledger transaction asks for READ COMMITTED every time; with the pool's sessions
        // already there and the driver trusting its own view of the session, that costs no
        // round trip (the session is only ever changed through JDBC calls here).
        config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        config.addDataSourceProperty("useLocalSessionState", "true");
        return new HikariDataSource(config);
    }

    private static Properties producerProperties(CreditSinkSettings settings) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap());
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        properties.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return properties;
    }
}
