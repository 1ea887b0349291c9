package dev.redrain.monitor;

import dev.redrain.core.config.JobConnections;
import dev.redrain.core.config.JobRuntime;
import dev.redrain.core.event.BudgetAlert;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.keys.Topics;
import dev.redrain.core.secrets.Redacted;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The budget monitor: windowed budget burn and alerts from the token-issued events.
 *
 * <pre>
 * Kafka token-issued -(event time: bounded out-of-orderness, idleness)-> observations
 *   -> keyBy(activity|stage|template) ----------------------------\
 * rule snapshots (MySQL templates + Redis granted, every refresh) -> broadcast
 *   -> BudgetMonitorFunction -> alerts -> Kafka budget-alerts, MySQL budget_alert, webhook
 * </pre>
 *
 * <p>Parameters (all {@code --name value}):
 * <ul>
 *   <li>{@code --kafka.bootstrap} (required), {@code --kafka.group} (redrain-budget-monitor),
 *       {@code --topic.prefix} (redrain.)</li>
 *   <li>{@code --jdbc.url} (required), {@code --jdbc.user} (root), {@code --jdbc.password}
 *       (else the environment's {@code REDRAIN_JDBC_PASSWORD}, else empty)</li>
 *   <li>{@code --redis.uri} (else {@code REDRAIN_REDIS_URI}, else redis://127.0.0.1:6379),
 *       {@code --redis.namespace} (rd)</li>
 *   <li>{@code --webhook.url} (none: no webhook), {@code --webhook.attempts} (3),
 *       {@code --webhook.backoff-ms} (500), {@code --webhook.timeout-ms} (2000),
 *       {@code --webhook.resend-ms} (60000: a firing alert is re-sent this often, each send
 *       keeping it firing four times as long; a cleared one is sent resolved)</li>
 *   <li>{@code --rules.refresh-ms} (10000), {@code --watermark.out-of-orderness-ms} (5000),
 *       {@code --watermark.idleness-ms} (30000), {@code --checkpoint.interval-ms} (10000)</li>
 *   <li>{@code --window-ms} (60000), {@code --burn.windows} (5), {@code --spike.windows} (10),
 *       {@code --spike.min-windows} (3), {@code --surge.min-asks} (20),
 *       {@code --retention-after-end-ms} (3600000), {@code --runbook.url}
 *       (runbooks/budget-alert.md)</li>
 * </ul>
 */
public final class BudgetMonitorJob {
    public static final String KAFKA_BOOTSTRAP = JobConnections.KAFKA_BOOTSTRAP;
    public static final String JDBC_URL = JobConnections.JDBC_URL;

    /** Stable operator ids: savepoints map state by these. Never change them. */
    static final String UID_SOURCE = "token-issued-source";
    static final String UID_OBSERVE = "observe";
    static final String UID_RULES = "rule-snapshots";
    static final String UID_MONITOR = "budget-monitor";
    static final String UID_SINK_PREFIX = "alert-sink-";
    static final String UID_NOTICES = "alert-notices";

    private final Source<TokenIssued, ?, ?> events;
    private final WatermarkStrategy<TokenIssued> watermarks;
    private final Source<RuleSnapshot, ?, ?> rules;
    private final MonitorSettings settings;
    private final List<NamedSink> sinks;
    private final AlertWebhookSink webhook;

    /** A sink with its operator name (its uid is derived from the name: keep it stable). */
    public record NamedSink(String name, Sink<BudgetAlert> sink) {
    }

    public BudgetMonitorJob(Source<TokenIssued, ?, ?> events,
            WatermarkStrategy<TokenIssued> watermarks, Source<RuleSnapshot, ?, ?> rules,
            MonitorSettings settings, List<NamedSink> sinks) {
        this(events, watermarks, rules, settings, sinks, null);
    }

    /** With a webhook (null for none), which also hears re-sends and resolutions. */
    public BudgetMonitorJob(Source<TokenIssued, ?, ?> events,
            WatermarkStrategy<TokenIssued> watermarks, Source<RuleSnapshot, ?, ?> rules,
            MonitorSettings settings, List<NamedSink> sinks, AlertWebhookSink webhook) {
        this.webhook = webhook;
        this.events = events;
        this.watermarks = watermarks;
        this.rules = rules;
        this.settings = settings;
        this.sinks = List.copyOf(sinks);
    }

    /** Event time from issuedAt, with bounded out-of-orderness and idleness. */
    public static WatermarkStrategy<TokenIssued> watermarks(Duration outOfOrderness,
            Duration idleness) {
        return WatermarkStrategy.<TokenIssued>forBoundedOutOfOrderness(outOfOrderness)
                .withTimestampAssigner((event, ts) -> event.issuedAt().toEpochMilli())
                .withIdleness(idleness);
    }

    /** Adds the pipeline to {@code env}; returns the alert stream. */
    public DataStream<BudgetAlert> build(StreamExecutionEnvironment env) {
        DataStream<Observation> observations = env.fromSource(events, watermarks, "token-issued")
                .uid(UID_SOURCE)
                .<Observation>flatMap((event, out) -> Observation.of(event).forEach(out::collect))
                .returns(TypeInformation.of(Observation.class))
                .name("observe")
                .uid(UID_OBSERVE);
        // Rule snapshots never hold event time back: their input is idle for event time, so
        // the monitor's watermark is the events' alone (and stalls, rather than jumping to the
        // end of time, when the events pause).
        BroadcastStream<RuleSnapshot> broadcast = env
                .fromSource(rules, WatermarkStrategy.forGenerator(context -> new AlwaysIdle()),
                        "rule-snapshots")
                .uid(UID_RULES)
                .setParallelism(1)
                .broadcast(BudgetMonitorFunction.RULES);
        SingleOutputStreamOperator<BudgetAlert> alerts = observations
                .keyBy(Observation::key)
                .connect(broadcast)
                .process(new BudgetMonitorFunction(settings))
                .returns(TypeInformation.of(BudgetAlert.class))
                .name("budget-monitor")
                .uid(UID_MONITOR);
        for (NamedSink sink : sinks) {
            alerts.sinkTo(sink.sink()).name("alerts-to-" + sink.name())
                    .uid(UID_SINK_PREFIX + sink.name());
        }
        if (webhook != null) {
            long leaseMs = settings.alertLeaseMs();
            // A new alert fires for one lease from when it is sent (not from its event time).
            alerts.map(alert -> AlertNotice.firing(alert, Instant.now().plusMillis(leaseMs)))
                    .returns(TypeInformation.of(AlertNotice.class))
                    .name("alert-notices").uid(UID_NOTICES)
                    .union(alerts.getSideOutput(BudgetMonitorFunction.NOTICES))
                    .sinkTo(webhook).name("alerts-to-webhook").uid(UID_SINK_PREFIX + "webhook");
        }
        return alerts;
    }

    public JobExecutionResult execute(StreamExecutionEnvironment env) throws Exception {
        build(env);
        return env.execute("redrain-budget-monitor");
    }

    public static void main(String[] args) throws Exception {
        ParameterTool p = ParameterTool.fromArgs(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        configure(env, p);
        fromParameters(p).execute(env);
    }

    /** Checkpointing and the job's parameters, as {@code main()} sets them. */
    public static void configure(StreamExecutionEnvironment env, ParameterTool p) {
        // Shown in the web UI: without the password, URIs without their credentials.
        env.getConfig().setGlobalJobParameters(ParameterTool.fromMap(Redacted.parameters(
                p.toMap())));
        env.enableCheckpointing(runtime(p).checkpointIntervalMs(),
                CheckpointingMode.EXACTLY_ONCE);
    }

    /** The production job (Kafka and MySQL/Redis rules in; Kafka, MySQL, webhook out). */
    public static BudgetMonitorJob fromParameters(ParameterTool p) {
        JobConnections connections = JobConnections.from(p.toMap(), System.getenv());
        Topics topics = connections.topics();
        String bootstrap = connections.kafkaBootstrap();
        String jdbcUrl = connections.jdbcUrl();
        String jdbcUser = connections.jdbcUser();
        String jdbcPassword = connections.jdbcPassword();
        List<NamedSink> sinks = new ArrayList<>();
        sinks.add(new NamedSink("kafka", kafkaSink(bootstrap, topics)));
        sinks.add(new NamedSink("mysql", new AlertJdbcSink(jdbcUrl, jdbcUser, jdbcPassword,
                100)));
        AlertWebhookSink webhook = !p.has("webhook.url") ? null : new AlertWebhookSink(
                p.get("webhook.url"), p.getInt("webhook.attempts", 3),
                p.getLong("webhook.backoff-ms", 500), p.getLong("webhook.timeout-ms", 2_000),
                10_000);
        MonitorSettings defaults = MonitorSettings.defaults();
        MonitorSettings settings = new MonitorSettings(
                p.getLong("window-ms", defaults.windowMs()),
                p.getInt("burn.windows", defaults.burnWindows()),
                p.getInt("spike.windows", defaults.spikeTrailingWindows()),
                p.getInt("spike.min-windows", defaults.spikeMinTrailingWindows()),
                p.getInt("surge.min-asks", defaults.surgeMinAsks()),
                p.getLong("retention-after-end-ms", defaults.retentionAfterEndMs()),
                p.get("runbook.url", defaults.runbookUrl()),
                p.getLong("webhook.resend-ms", defaults.alertResendMs()));
        return new BudgetMonitorJob(kafkaSource(bootstrap, topics, runtime(p).kafkaGroup()),
                watermarks(Duration.ofMillis(p.getLong("watermark.out-of-orderness-ms", 5_000)),
                        Duration.ofMillis(p.getLong("watermark.idleness-ms", 30_000))),
                ruleSource(jdbcUrl, jdbcUser, jdbcPassword, connections.redisUri(),
                        connections.redisNamespace(), p.getLong("rules.refresh-ms", 10_000)),
                settings, sinks, webhook);
    }

    public static KafkaSource<TokenIssued> kafkaSource(String bootstrap, Topics topics,
            String group) {
        KafkaSourceBuilder<TokenIssued> builder = KafkaSource.<TokenIssued>builder()
                .setBootstrapServers(bootstrap)
                .setTopics(topics.tokenIssued())
                .setGroupId(group)
                .setStartingOffsets(OffsetsInitializer.committedOffsets(
                        OffsetResetStrategy.EARLIEST))
                .setDeserializer(new TokenIssuedDeserializer());
        JobRuntime.KAFKA_READER.forEach(builder::setProperty);
        return builder.build();
    }

    private static JobRuntime runtime(ParameterTool p) {
        return JobRuntime.from(p.toMap(), "redrain-budget-monitor", 10_000);
    }

    /** A snapshot of the rules now, then one every {@code refreshMs}. */
    public static DataGeneratorSource<RuleSnapshot> ruleSource(String jdbcUrl, String jdbcUser,
            String jdbcPassword, String redisUri, String redisNamespace, long refreshMs) {
        return new DataGeneratorSource<>(new RuleSnapshotLoader(jdbcUrl, jdbcUser, jdbcPassword,
                redisUri, redisNamespace), Long.MAX_VALUE,
                RateLimiterStrategy.perSecond(1_000.0 / refreshMs),
                TypeInformation.of(RuleSnapshot.class));
    }

    public static KafkaSink<BudgetAlert> kafkaSink(String bootstrap, Topics topics) {
        return KafkaSink.<BudgetAlert>builder()
                .setBootstrapServers(bootstrap)
                .setRecordSerializer(new AlertKafkaSerializer(topics.budgetAlerts()))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }

    /**
     * Marks the rule snapshots idle for event time. A maximum watermark instead would let an
     * idle event stream take the monitor's event time to the end of time: every window and
     * every state-cleanup timer would fire during a pause between rains.
     */
    static final class AlwaysIdle implements WatermarkGenerator<RuleSnapshot> {
        @Override
        public void onEvent(RuleSnapshot event, long eventTimestamp, WatermarkOutput output) {
            output.markIdle();
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
            output.markIdle();
        }
    }
}
