package dev.redrain.credit;

import dev.redrain.core.config.JobConnections;
import dev.redrain.core.config.JobRuntime;
import dev.redrain.core.keys.Topics;
import dev.redrain.core.secrets.Redacted;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The realtime credit job: token-issued events from Kafka into the double-entry ledger.
 *
 * <pre>
 * Kafka token-issued -> validate: grant proof, catalog (dead letters to token-issued.dlq)
 *   -> keyBy(actId)
 *   -> ledger sink (batch: MySQL ledger, then Redis CREDITED, then TokenCredited to Kafka)
 * </pre>
 *
 * Keyed by actId, not outTradeNo: every token of a user, and so every duplicate of a token, goes
 * to one subtask, so two subtasks never contend for the same wallet row.
 *
 * <p>Parameters (all {@code --name value}):
 * <ul>
 *   <li>{@code --kafka.bootstrap} (required), {@code --kafka.group} (redrain-credit-job),
 *       {@code --topic.prefix} (redrain.)</li>
 *   <li>{@code --jdbc.url} (required), {@code --jdbc.user} (root), {@code --jdbc.password}
 *       (else the environment's {@code REDRAIN_JDBC_PASSWORD}, else empty: a command line is
 *       visible to every user of the machine, the environment is not)</li>
 *   <li>{@code --redis.uri} (else {@code REDRAIN_REDIS_URI}, else redis://127.0.0.1:6379:
 *       a URI with a password belongs in the environment), {@code --redis.namespace} (rd)</li>
 *   <li>{@code --token.keys-file}: a file (readable by the job only) holding the token key
 *       ring, {@code id:base64key,...}, whose keys verify grant proofs; else the environment's
 *       {@code REDRAIN_TOKEN_KEYS}. Required: without it no event can be proven.</li>
 *   <li>{@code --batch.size} (500), {@code --batch.flush-ms} (200),
 *       {@code --checkpoint.interval-ms} (5000), {@code --token.ttl-seconds} (604800)</li>
 * </ul>
 */
public final class CreditJob {
    public static final String KAFKA_BOOTSTRAP = JobConnections.KAFKA_BOOTSTRAP;
    public static final String KAFKA_GROUP = JobRuntime.KAFKA_GROUP;
    public static final String TOPIC_PREFIX = JobConnections.TOPIC_PREFIX;
    public static final String JDBC_URL = JobConnections.JDBC_URL;
    public static final String JDBC_USER = JobConnections.JDBC_USER;
    public static final String JDBC_PASSWORD = JobConnections.JDBC_PASSWORD;
    public static final String REDIS_URI = JobConnections.REDIS_URI;
    public static final String REDIS_NAMESPACE = JobConnections.REDIS_NAMESPACE;
    public static final String BATCH_SIZE = "batch.size";
    public static final String BATCH_FLUSH_MS = "batch.flush-ms";
    public static final String CHECKPOINT_INTERVAL_MS = JobRuntime.CHECKPOINT_INTERVAL_MS;
    static final String DEFAULT_GROUP = "redrain-credit-job";
    static final long DEFAULT_CHECKPOINT_INTERVAL_MS = 5_000;
    public static final String TOKEN_TTL_SECONDS = "token.ttl-seconds";
    public static final String TOKEN_KEYS_FILE = "token.keys-file";

    /** Stable operator ids: savepoints map state by these. Never change them. */
    static final String UID_SOURCE = "token-issued-source";
    static final String UID_VALIDATE = "validate-token";
    static final String UID_LEDGER_SINK = "ledger-credit-sink";
    static final String UID_DEAD_LETTER_SINK = "dead-letter-sink";

    private final Source<RawTokenRecord, ?, ?> source;
    private final GrantCheckSettings grantChecks;
    private final Sink<TokenToCredit> ledgerSink;
    private final Sink<DeadLetter> deadLetterSink;

    public CreditJob(Source<RawTokenRecord, ?, ?> source, GrantCheckSettings grantChecks,
            Sink<TokenToCredit> ledgerSink, Sink<DeadLetter> deadLetterSink) {
        this.source = source;
        this.grantChecks = grantChecks;
        this.ledgerSink = ledgerSink;
        this.deadLetterSink = deadLetterSink;
    }

    /** Adds the pipeline to {@code env}. */
    public void build(StreamExecutionEnvironment env) {
        SingleOutputStreamOperator<TokenToCredit> tokens = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "token-issued")
                .uid(UID_SOURCE)
                .process(new TokenValidator(grantChecks))
                .name("validate-token")
                .uid(UID_VALIDATE);
        tokens.getSideOutput(TokenValidator.DEAD_LETTERS)
                .sinkTo(deadLetterSink)
                .name("dead-letters")
                .uid(UID_DEAD_LETTER_SINK);
        tokens.keyBy(token -> token.actId)
                .sinkTo(ledgerSink)
                .name("ledger-credit")
                .uid(UID_LEDGER_SINK);
    }

    public JobExecutionResult execute(StreamExecutionEnvironment env) throws Exception {
        build(env);
        return env.execute("redrain-realtime-credit");
    }

    public static void main(String[] args) throws Exception {
        ParameterTool parameters = ParameterTool.fromArgs(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        configure(env, parameters);
        fromParameters(parameters).execute(env);
    }

    /** Checkpointing and the job's parameters, as {@code main()} sets them. */
    public static void configure(StreamExecutionEnvironment env, ParameterTool parameters) {
        // Shown in the web UI: without the password, URIs without their credentials.
        env.getConfig().setGlobalJobParameters(ParameterTool.fromMap(Redacted.parameters(
                parameters.toMap())));
        env.enableCheckpointing(runtime(parameters).checkpointIntervalMs(),
                CheckpointingMode.EXACTLY_ONCE);
    }

    /** The production job (Kafka in, ledger and dead letters out) from the flags above. */
    public static CreditJob fromParameters(ParameterTool parameters) {
        JobConnections connections = connections(parameters);
        Topics topics = connections.topics();
        String bootstrap = connections.kafkaBootstrap();
        return new CreditJob(kafkaSource(parameters, bootstrap, topics),
                grantCheckSettings(parameters), new LedgerCreditSink(sinkSettings(parameters)),
                deadLetterSink(bootstrap, topics));
    }

    static CreditSinkSettings sinkSettings(ParameterTool parameters) {
        JobConnections connections = connections(parameters);
        return new CreditSinkSettings(connections.jdbcUrl(), connections.jdbcUser(),
                connections.jdbcPassword(), connections.redisUri(),
                connections.redisNamespace(), connections.kafkaBootstrap(),
                connections.topics().prefix(),
                parameters.getInt(BATCH_SIZE, 500), parameters.getLong(BATCH_FLUSH_MS, 200),
                parameters.getLong(TOKEN_TTL_SECONDS, 7 * 24 * 3600));
    }

    private static JobConnections connections(ParameterTool parameters) {
        return JobConnections.from(parameters.toMap(), System.getenv());
    }

    /** The token key ring (from the keys file, else the environment) and the catalog's DB. */
    static GrantCheckSettings grantCheckSettings(ParameterTool parameters) {
        CreditSinkSettings sink = sinkSettings(parameters);
        return new GrantCheckSettings(GrantCheckSettings.tokenKeys(
                parameters.get(TOKEN_KEYS_FILE)), sink.jdbcUrl(), sink.jdbcUser(),
                sink.jdbcPassword());
    }

    /** Reads committed data from the group's committed offsets, or from the start. */
    public static KafkaSource<RawTokenRecord> kafkaSource(ParameterTool parameters,
            String bootstrap, Topics topics) {
        KafkaSourceBuilder<RawTokenRecord> builder = KafkaSource.<RawTokenRecord>builder()
                .setBootstrapServers(bootstrap)
                .setTopics(topics.tokenIssued())
                .setGroupId(runtime(parameters).kafkaGroup())
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new RawTokenRecordDeserializer());
        JobRuntime.KAFKA_READER.forEach(builder::setProperty);
        return builder.build();
    }

    private static JobRuntime runtime(ParameterTool parameters) {
        return JobRuntime.from(parameters.toMap(), DEFAULT_GROUP, DEFAULT_CHECKPOINT_INTERVAL_MS);
    }

    public static KafkaSink<DeadLetter> deadLetterSink(String bootstrap, Topics topics) {
        return KafkaSink.<DeadLetter>builder()
                .setBootstrapServers(bootstrap)
                .setRecordSerializer(new DeadLetterSerializer(topics.tokenIssuedDeadLetter()))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }
}
