package dev.redrain.monitor;

import com.sun.net.httpserver.HttpServer;
import dev.redrain.core.activity.Outcome;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.keys.Topics;
import dev.redrain.core.schema.RedrainSchema;
import dev.redrain.flinksession.FlinkRestClient;
import dev.redrain.flinksession.SessionClusterTest;
import dev.redrain.testsupport.KafkaExtension;
import dev.redrain.testsupport.MariaDbExtension;
import dev.redrain.testsupport.RedisExtension;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shaded job jar on a real standalone Flink session cluster (JobManager and TaskManager in
 * their own JVMs), submitted through the REST API with the same arguments {@code flink run}
 * would pass to {@code main()}: a threshold crossed in Kafka reaches MySQL and the webhook, and
 * the monitor's metrics are served by the cluster. Nothing of the job is on the cluster's
 * classpath, so a class missing from the shaded jar fails here.
 */
class StandaloneClusterITCase extends SessionClusterTest {
    @RegisterExtension
    static final MariaDbExtension DB = new MariaDbExtension().afterCreate(RedrainSchema::migrate);
    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();
    private static final MonitorDatabase DATA = new MonitorDatabase(DB);
    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();

    @Test
    void shadedJarRunsOnASessionClusterAndAlerts() throws Exception {
        Path jar = shadedJar();
        Instant base = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(5, ChronoUnit.MINUTES);
        seed(base);
        Topics topics = new Topics("s" + UUID.randomUUID().toString().substring(0, 8) + ".");
        KAFKA.broker().createTopics(Map.of(topics.tokenIssued(), 2, topics.budgetAlerts(), 1));
        List<String> posted = new CopyOnWriteArrayList<>();
        HttpServer webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/api/v2/alerts", exchange -> {
            posted.add(new String(exchange.getRequestBody().readAllBytes(),
                    StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        webhook.start();
        FlinkRestClient rest = cluster.rest();
        String jobId = rest.runJar(rest.uploadJar(jar), BudgetMonitorJob.class.getName(),
                arguments(topics, "http://127.0.0.1:" + webhook.getAddress().getPort()
                        + "/api/v2/alerts"), 2, null);
        try {
            awaitRunning(jobId);
            EventSerde serde = new EventSerde();
            try (KafkaProducer<String, byte[]> producer =
                    new KafkaProducer<>(KAFKA.producerProperties())) {
                for (int i = 0; i < 6; i++) {
                    TokenIssued event = new TokenIssued("ev-" + i, String.format("OT%08d", i),
                            "A" + i + "_s_r_CASH_FORMAL", "douyin", "A" + i, "sa", "sa-formal",
                            Stage.FORMAL, "scene-1", "rain-1", "sa-cash", "sa-cash", "CASH",
                            Outcome.AWARDED, 1_000, "CNY", base.plusSeconds(i),
                            LocalDate.ofInstant(base, ZoneOffset.UTC), null);
                    producer.send(new ProducerRecord<>(topics.tokenIssued(), event.actId(),
                            serde.serialize(event)));
                }
                producer.flush();
            }
            await(() -> {
                cluster.jobStateOrFail(jobId);
                return DATA.count("SELECT COUNT(*) FROM budget_alert WHERE dedupe_key ="
                        + " 'THRESHOLD:sa-formal:FORMAL:sa-cash:50'") == 1;
            }, "the threshold alert in MySQL");
            await(() -> posted.stream().anyMatch(body -> body.contains(
                    "RedrainBudgetThreshold")), "the webhook to receive the alert");
            // The REST API serves metrics its fetcher collected, up to 10 s old: wait for them.
            await(() -> rest.vertexMetrics(jobId, "budget-monitor", List.of("observations"))
                    .values().stream().mapToDouble(Double::parseDouble).sum() >= 6,
                    "the monitor's observations metric in the REST API");
        } finally {
            rest.cancel(jobId);
            webhook.stop(0);
        }
    }

    private static List<String> arguments(Topics topics, String webhookUrl) {
        List<String> arguments = new ArrayList<>(List.of(
                "--kafka.bootstrap", KAFKA.bootstrapServers(),
                "--kafka.group", "monitor-" + topics.prefix(),
                "--topic.prefix", topics.prefix(),
                "--jdbc.url", DB.jdbcUrl(),
                "--jdbc.user", DB.user(),
                "--redis.uri", REDIS.redisUri(),
                "--redis.namespace", REDIS.namespace(),
                "--webhook.url", webhookUrl,
                "--rules.refresh-ms", "1000",
                "--checkpoint.interval-ms", "1000"));
        if (!DB.password().isEmpty()) {
            arguments.addAll(List.of("--jdbc.password", DB.password()));
        }
        return arguments;
    }

    private static void seed(Instant base) throws Exception {
        Timestamp starts = Timestamp.from(base.minus(1, ChronoUnit.HOURS));
        Timestamp ends = Timestamp.from(base.plus(1, ChronoUnit.DAYS));
        DATA.execute("INSERT INTO activity (activity_id, name, live_stage, starts_at, ends_at,"
                + " status)"
                + " VALUES ('sa', 'Standalone', 'FORMAL', ?, ?, 'ACTIVE')", starts, ends);
        DATA.execute("INSERT INTO activity (activity_id, parent_activity_id, name, stage,"
                + " starts_at,"
                + " ends_at, status) VALUES ('sa-formal', 'sa', 'Standalone formal', 'FORMAL',"
                + " ?, ?, 'ACTIVE')", starts, ends);
        DATA.execute("INSERT INTO reward_template (template_id, activity_id, award_type, currency,"
                + " amount_rule, fixed_amount_minor, budget_minor, budget_shards,"
                + " drift_tolerance_minor) VALUES ('sa-cash', 'sa-formal', 'CASH', 'CNY', 'FIXED',"
                + " 1, 10000, 1, 1000000000)");
    }




    private static void await(BooleanSupplier condition, String what)
            throws InterruptedException {
        MonitorDatabase.await(condition, what, 90);
    }
}
