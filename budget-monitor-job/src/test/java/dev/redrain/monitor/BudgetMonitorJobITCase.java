package dev.redrain.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.redrain.core.activity.Outcome;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.event.BudgetAlert;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.core.keys.Topics;
import dev.redrain.core.schema.RedrainSchema;
import dev.redrain.monitor.BudgetMonitorJob.NamedSink;
import dev.redrain.testsupport.KafkaExtension;
import dev.redrain.testsupport.MariaDbExtension;
import dev.redrain.testsupport.RedisExtension;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole job on a MiniCluster against real Kafka, MariaDB and Redis, with a live webhook
 * receiver (and a dead one): events with controlled event time fire the expected alerts once
 * into every sink, and a well-behaved template stays silent.
 */
class BudgetMonitorJobITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4).build());
    @RegisterExtension
    static final MariaDbExtension DB = new MariaDbExtension().afterCreate(RedrainSchema::migrate);
    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();
    private static final MonitorDatabase DATA = new MonitorDatabase(DB);
    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT_MAX = Duration.ofSeconds(60);
    /** Event time of the test's rain: whole minutes, ten minutes ago. */
    private static final Instant BASE = Instant.now().truncatedTo(ChronoUnit.MINUTES)
            .minus(10, ChronoUnit.MINUTES);

    private final AtomicInteger sequence = new AtomicInteger();
    private final List<String> webhookBodies = new CopyOnWriteArrayList<>();
    private final List<String> refusedByAlertmanager = new CopyOnWriteArrayList<>();
    private final Topics topics = new Topics("m" + UUID.randomUUID().toString().substring(0, 8)
            + ".");
    private HttpServer webhook;
    private JobClient running;

    @BeforeAll
    static void seed() throws Exception {
        Timestamp starts = Timestamp.from(BASE.minus(1, ChronoUnit.HOURS));
        Timestamp ends = Timestamp.from(BASE.plus(1, ChronoUnit.DAYS));
        DATA.execute("INSERT INTO activity (activity_id, name, live_stage, starts_at, ends_at,"
                + " status)"
                + " VALUES ('mon', 'Monitor', 'FORMAL', ?, ?, 'ACTIVE')", starts, ends);
        DATA.execute("INSERT INTO activity (activity_id, parent_activity_id, name, stage,"
                + " starts_at,"
                + " ends_at, status) VALUES ('mon-formal', 'mon', 'Monitor formal', 'FORMAL', ?,"
                + " ?, 'ACTIVE')", starts, ends);
        // A huge drift tolerance keeps drift out of every template but mon-drift.
        template("mon-coupon", "COUPON", "CPN", 100_000, null, 1_000_000_000_000L);
        template("mon-cash", "CASH", "CNY", 10_000, "mon-coupon", 1_000_000_000_000L);
        template("mon-quiet", "CASH", "CNY", 1_000_000, null, 1_000_000_000_000L);
        template("mon-drift", "CASH", "CNY", 1_000_000, null, 0);
        template("mon-dead", "CASH", "CNY", 1_000_000, null, 1_000_000_000_000L);
        template("mon-restart", "CASH", "CNY", 1_000_000, null, 1_000_000_000_000L);
        template("mon-live", "CASH", "CNY", 1_000_000, null, 1_000_000_000_000L);
        DATA.execute("UPDATE reward_template SET alert_thresholds_pct = '50,80,100',"
                + " drift_grace_seconds = 1");
    }

    @AfterEach
    void stop() throws Exception {
        if (running != null) {
            running.cancel().get();
        }
        if (webhook != null) {
            webhook.stop(0);
        }
    }

    @Test
    void eachProblemAlertsOnceInKafkaMySqlAndTheWebhookAndAQuietTemplateStaysSilent()
            throws Exception {
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        // A stub Alertmanager: it refuses (400) what the real v2 API would refuse.
        webhook.createContext("/api/v2/alerts", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(),
                    StandardCharsets.UTF_8);
            List<String> wrong = alertmanagerV2Violations(exchange.getRequestMethod(),
                    exchange.getRequestHeaders().getFirst("Content-Type"), body);
            if (wrong.isEmpty()) {
                webhookBodies.add(body);
            } else {
                refusedByAlertmanager.addAll(wrong);
            }
            exchange.sendResponseHeaders(wrong.isEmpty() ? 200 : 400, -1);
            exchange.close();
        });
        webhook.start();
        String url = "http://127.0.0.1:" + webhook.getAddress().getPort() + "/api/v2/alerts";
        REDIS.commands().hset(new RedisKeys(REDIS.namespace()).budgetGranted("mon-drift", 0),
                "amountMinor", "5000");
        running = start(new AlertWebhookSink(url, 3, 100, 1_000, 1_000));

        List<TokenIssued> events = new ArrayList<>();
        for (int i = 0; i < 6; i++) {         // minute 0: 6,000 of 10,000: the 50% threshold
            events.add(event("mon-cash", "mon-cash", Outcome.AWARDED, 1_000, BASE.plusSeconds(i)));
        }
        for (int i = 0; i < 3; i++) {         // 3,000 in the stream, 5,000 granted in Redis
            events.add(event("mon-drift", "mon-drift", Outcome.AWARDED, 1_000,
                    BASE.plusSeconds(i)));
        }
        events.add(event("mon-quiet", "mon-quiet", Outcome.AWARDED, 100, BASE));
        Instant minute1 = BASE.plus(1, ChronoUnit.MINUTES);
        for (int i = 0; i < 20; i++) {        // minute 1: 12 of 20 grabs fell back to coupons
            events.add(i < 12 ? event("mon-cash", "mon-coupon", Outcome.FALLBACK, 10,
                    minute1.plusSeconds(i)) : event("mon-cash", "mon-cash", Outcome.AWARDED, 100,
                            minute1.plusSeconds(i)));
        }
        // Later events move event time past both minutes.
        events.add(event("mon-quiet", "mon-quiet", Outcome.AWARDED, 100,
                BASE.plus(5, ChronoUnit.MINUTES)));
        publish(events, new byte[][] {"not json".getBytes(StandardCharsets.UTF_8)});

        Set<String> expected = Set.of("THRESHOLD:mon-formal:FORMAL:mon-cash:50",
                "FALLBACK_SURGE:mon-formal:FORMAL:mon-cash", "DRIFT:mon-formal:FORMAL:mon-drift");
        await(() -> storedDedupeKeys().containsAll(expected), "the three alerts in MySQL");
        Thread.sleep(2_000);
        assertThat(storedDedupeKeys()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(DATA.count("SELECT COUNT(*) FROM budget_alert WHERE template_id NOT IN"
                + " ('mon-dead', 'mon-restart', 'mon-live')")).isEqualTo(3);
        // Judged at the event that crossed it: the fifth 1,000.
        assertThat(DATA.count("SELECT observed_value FROM budget_alert WHERE rule = 'THRESHOLD'"
                + " AND template_id = 'mon-cash'")).isEqualTo(5_000);
        assertThat(DATA.count("SELECT observed_value FROM budget_alert"
                + " WHERE rule = 'FALLBACK_SURGE'"))
                .isEqualTo(60);
        assertThat(DATA.count("SELECT expected_value FROM budget_alert WHERE rule = 'DRIFT'"))
                .isEqualTo(5_000);

        List<BudgetAlert> onKafka = readAlerts(3);
        assertThat(onKafka).extracting(BudgetAlert::dedupeKey)
                .containsExactlyInAnyOrderElementsOf(expected);

        await(() -> firstByFingerprint(webhookAlerts()).size() >= 3,
                "the webhook to receive three alerts");
        // Each alert is re-sent while it holds, the same labels with a later endsAt.
        await(() -> webhookAlerts().size() >= 6, "re-sends of the firing alerts");
        assertThat(refusedByAlertmanager).isEmpty();
        Map<String, List<JsonNode>> sends = new java.util.LinkedHashMap<>();
        webhookAlerts().forEach(alert -> sends.computeIfAbsent(alert.get("labels").toString(),
                labels -> new ArrayList<>()).add(alert));
        assertThat(sends).hasSize(3);
        assertThat(sends.values()).anySatisfy(same -> {
            assertThat(same).hasSizeGreaterThanOrEqualTo(2);
            assertThat(Instant.parse(same.get(same.size() - 1).get("endsAt").asText()))
                    .isAfter(Instant.parse(same.get(0).get("endsAt").asText()));
            assertThat(same).extracting(alert -> alert.get("startsAt").asText()).containsOnly(
                    same.get(0).get("startsAt").asText());
        });
        List<JsonNode> posted = firstByFingerprint(webhookAlerts());
        assertThat(posted).extracting(alert -> alert.get("labels").get("alertname").asText())
                .containsExactlyInAnyOrder("RedrainBudgetThreshold",
                        "RedrainBudgetFallbackSurge", "RedrainBudgetDrift");
        JsonNode threshold = posted.stream().filter(alert -> alert.get("labels").get("rule")
                .asText().equals("THRESHOLD")).findFirst().orElseThrow();
        assertThat(threshold.get("labels").get("severity").asText()).isEqualTo("info");
        assertThat(threshold.get("labels").get("template_id").asText()).isEqualTo("mon-cash");
        assertThat(threshold.get("annotations").get("runbook_url").asText())
                .isEqualTo("runbooks/budget-alert.md#threshold");
        assertThat(threshold.get("annotations").get("observed").asText()).isEqualTo("5000");
        assertThat(threshold.get("labels").get("parent_activity_id").asText()).isEqualTo("mon");
        assertThat(threshold.get("annotations").get("fallback_switch").asText())
                .isEqualTo("fallback-only:mon");
        assertThat(DATA.count("SELECT COUNT(*) FROM budget_alert WHERE rule = 'THRESHOLD' AND"
                + " template_id = 'mon-cash' AND parent_activity_id = 'mon'")).isEqualTo(1);
        assertThat(threshold.get("startsAt").asText()).isNotEmpty();
        assertThat(posted).noneMatch(alert -> alert.get("labels").get("template_id").asText()
                .equals("mon-quiet"));
    }

    @Test
    void aDeadWebhookNeitherStopsNorSlowsTheJob() throws Exception {
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        // Three tries with a growing pause per batch: far slower than the alerts arrive.
        running = start(new AlertWebhookSink("http://127.0.0.1:" + deadPort + "/api/v2/alerts",
                3, 1_000, 1_000, 1_000));
        String template = "mon-dead";
        String thresholds = "SELECT COUNT(*) FROM budget_alert WHERE template_id = 'mon-dead'"
                + " AND rule = 'THRESHOLD'";
        List<TokenIssued> events = new ArrayList<>();
        // 600,000 of 1,000,000 in one minute: the 50% threshold.
        for (int i = 0; i < 6; i++) {
            events.add(event(template, template, Outcome.AWARDED, 100_000,
                    BASE.plus(20, ChronoUnit.MINUTES).plusSeconds(i)));
        }
        long start = System.nanoTime();
        publish(events, new byte[0][]);
        await(() -> DATA.count(thresholds) == 1, "the 50% alert in MySQL");
        // A second problem right after: the sender is still retrying the first batch.
        publish(List.of(event(template, template, Outcome.AWARDED, 250_000,
                BASE.plus(21, ChronoUnit.MINUTES))), new byte[0][]);
        await(() -> DATA.count(thresholds) == 2, "the 80% alert in MySQL");
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(running.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        // Both alerts stored well within the 3 x (1 s timeout + backoff) one batch takes.
        assertThat(elapsedMs).isLessThan(30_000);
        assertThat(DATA.count(thresholds)).isEqualTo(2);
    }

    @Test
    void aJobRestoredFromASavepointDoesNotFireAThresholdAgain() throws Exception {
        running = start(null);
        String template = "mon-restart";
        Instant at = BASE.plus(30, ChronoUnit.MINUTES);
        List<TokenIssued> first = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            first.add(event(template, template, Outcome.AWARDED, 100_000, at.plusSeconds(i)));
        }
        publish(first, new byte[0][]);
        String thresholds = "SELECT COUNT(*) FROM budget_alert WHERE template_id = 'mon-restart'"
                + " AND rule = 'THRESHOLD'";
        await(() -> DATA.count(thresholds) == 1, "the 50% alert");
        java.nio.file.Path savepoints = java.nio.file.Files.createTempDirectory("monitor-sp");
        String savepoint = running.stopWithSavepoint(false, savepoints.toUri().toString(),
                org.apache.flink.core.execution.SavepointFormatType.CANONICAL).get();
        running = null;

        // The restored job reads on from the savepoint's offsets with the key's state: another
        // 10,000 (61%) is no new threshold; 200,000 more (81%) is the 80% one, once.
        publish(List.of(event(template, template, Outcome.AWARDED, 10_000, at.plusSeconds(10))),
                new byte[0][]);
        Configuration restore = new Configuration();
        restore.set(org.apache.flink.configuration.StateRecoveryOptions.SAVEPOINT_PATH,
                savepoint);
        running = start(null, restore);
        publish(List.of(event(template, template, Outcome.AWARDED, 100_000, at.plusSeconds(20)),
                event(template, template, Outcome.AWARDED, 100_000, at.plusSeconds(21))),
                new byte[0][]);
        await(() -> DATA.count(thresholds) == 2, "the 80% alert");
        List<BudgetAlert> onKafka = readAlerts(2).stream()
                .filter(alert -> alert.templateId().equals(template)).toList();
        assertThat(onKafka).extracting(BudgetAlert::dedupeKey).containsExactly(
                "THRESHOLD:mon-formal:FORMAL:mon-restart:50",
                "THRESHOLD:mon-formal:FORMAL:mon-restart:80");
    }

    @Test
    void aRuleChangedInMySqlTakesEffectWithoutResubmittingTheJob() throws Exception {
        running = start(null);
        String template = "mon-live";
        publish(List.of(event(template, template, Outcome.AWARDED, 300_000,
                BASE.plus(40, ChronoUnit.MINUTES))), new byte[0][]);
        String thresholds = "SELECT COUNT(*) FROM budget_alert WHERE template_id = 'mon-live'"
                + " AND rule = 'THRESHOLD'";
        // 30% of the budget: under the 50% threshold. Several rule refreshes (500 ms) pass.
        Thread.sleep(3_000);
        assertThat(DATA.count(thresholds)).isZero();
        // An operator lowers the thresholds (as PATCH /admin/templates/{id} does): the next
        // rule refresh judges the 30% already spent against them, with no new event.
        DATA.execute("UPDATE reward_template SET alert_thresholds_pct = '25,50'"
                + " WHERE template_id = 'mon-live'");
        await(() -> DATA.count(thresholds) == 1, "the 25% alert after the rule change");
        assertThat(DATA.count("SELECT expected_value FROM budget_alert WHERE template_id ="
                + " 'mon-live' AND rule = 'THRESHOLD'")).isEqualTo(250_000);
    }

    // ---- helpers -----------------------------------------------------------------------------

    private JobClient start(AlertWebhookSink webhookSink) throws Exception {
        KAFKA.broker().createTopics(Map.of(topics.tokenIssued(), 1, topics.budgetAlerts(), 1));
        return start(webhookSink, new Configuration());
    }

    /** The job with a Kafka and a MySQL sink, and the webhook sink when one is given. */
    private JobClient start(AlertWebhookSink webhookSink, Configuration configuration)
            throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(configuration);
        env.setParallelism(2);
        env.enableCheckpointing(500, CheckpointingMode.EXACTLY_ONCE);
        // Firing alerts re-sent every 2 s, so the test sees re-sends.
        MonitorSettings settings = new MonitorSettings(60_000, 5, 10, 3, 10, 3_600_000,
                MonitorSettings.DEFAULT_RUNBOOK_URL, 2_000);
        new BudgetMonitorJob(
                BudgetMonitorJob.kafkaSource(KAFKA.bootstrapServers(), topics,
                        "monitor-" + topics.prefix()),
                BudgetMonitorJob.watermarks(Duration.ofSeconds(1), Duration.ofSeconds(1)),
                BudgetMonitorJob.ruleSource(DB.jdbcUrl(), DB.user(), DB.password(),
                        REDIS.redisUri(), REDIS.namespace(), 500),
                settings, sinks(), webhookSink).build(env);
        JobClient client = env.executeAsync("budget-monitor-test");
        // Rules are read at start; events produced before the first snapshot simply wait.
        return client;
    }

    private List<NamedSink> sinks() {
        List<NamedSink> sinks = new ArrayList<>(List.of(
                new NamedSink("kafka", BudgetMonitorJob.kafkaSink(KAFKA.bootstrapServers(),
                        topics)),
                new NamedSink("mysql", new AlertJdbcSink(DB.jdbcUrl(), DB.user(), DB.password(),
                        100))));
        return sinks;
    }

    private TokenIssued event(String requested, String paid, Outcome outcome, long amount,
            Instant at) {
        int n = sequence.incrementAndGet();
        String outTradeNo = outcome == Outcome.EMPTY ? null : String.format("OT%08d", n);
        return new TokenIssued("ev-" + UUID.randomUUID(), outTradeNo, "A" + n + "_s_r_CASH_FORMAL",
                "douyin", "A" + n, "mon", "mon-formal", Stage.FORMAL, "scene-1", "rain-1",
                requested, paid, paid.equals("mon-coupon") ? "COUPON" : "CASH", outcome,
                outcome == Outcome.EMPTY ? 0 : amount,
                paid.equals("mon-coupon") ? "CPN" : "CNY", at,
                LocalDate.ofInstant(at, ZoneOffset.UTC), null);
    }

    private void publish(List<TokenIssued> events, byte[][] garbage) throws Exception {
        EventSerde serde = new EventSerde();
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(KAFKA.producerProperties())) {
            for (byte[] bytes : garbage) {
                producer.send(new ProducerRecord<>(topics.tokenIssued(), null, bytes));
            }
            for (TokenIssued event : events) {
                producer.send(new ProducerRecord<>(topics.tokenIssued(), event.actId(),
                        serde.serialize(event)));
            }
            producer.flush();
        }
    }

    private List<BudgetAlert> readAlerts(int expected) throws Exception {
        EventSerde serde = new EventSerde();
        List<BudgetAlert> alerts = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                KAFKA.consumerProperties("reader-" + UUID.randomUUID()))) {
            consumer.subscribe(List.of(topics.budgetAlerts()));
            long deadline = System.nanoTime() + WAIT_MAX.toNanos();
            while (alerts.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record
                        : consumer.poll(Duration.ofMillis(200))) {
                    alerts.add(serde.deserialize(record.value(), BudgetAlert.class));
                }
            }
            // Anything more (a duplicate) would show within another moment.
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                alerts.add(serde.deserialize(record.value(), BudgetAlert.class));
            }
        }
        return alerts;
    }

    /** The first send of each alert (Alertmanager identifies an alert by its labels). */
    private static List<JsonNode> firstByFingerprint(List<JsonNode> alerts) {
        Map<String, JsonNode> first = new java.util.LinkedHashMap<>();
        alerts.forEach(alert -> first.putIfAbsent(alert.get("labels").toString(), alert));
        return List.copyOf(first.values());
    }

    /**
     * What Alertmanager's POST /api/v2/alerts refuses: not a JSON array; an alert without a
     * non-empty map of string labels, or whose annotations are not strings; a startsAt or
     * endsAt that is not an RFC 3339 time, or an endsAt before its startsAt.
     */
    static List<String> alertmanagerV2Violations(String method, String contentType,
            String body) {
        List<String> wrong = new ArrayList<>();
        if (!"POST".equals(method) || contentType == null
                || !contentType.startsWith("application/json")) {
            wrong.add(method + " " + contentType);
            return wrong;
        }
        JsonNode alerts;
        try {
            alerts = JSON.readTree(body);
        } catch (java.io.IOException e) {
            wrong.add("not JSON: " + body);
            return wrong;
        }
        if (!alerts.isArray()) {
            wrong.add("not an array: " + body);
            return wrong;
        }
        for (JsonNode alert : alerts) {
            JsonNode labels = alert.path("labels");
            if (!labels.isObject() || labels.isEmpty() || !labels.has("alertname")) {
                wrong.add("labels: " + alert);
            }
            for (String map : List.of("labels", "annotations")) {
                alert.path(map).properties().forEach(e -> {
                    if (!e.getValue().isTextual()) {
                        wrong.add(map + "." + e.getKey() + " is not a string");
                    }
                });
            }
            try {
                Instant startsAt = Instant.parse(alert.path("startsAt").asText());
                Instant endsAt = Instant.parse(alert.path("endsAt").asText());
                if (endsAt.isBefore(startsAt)) {
                    wrong.add("endsAt before startsAt: " + alert);
                }
            } catch (java.time.format.DateTimeParseException e) {
                wrong.add("times: " + alert);
            }
            if (!alert.path("generatorURL").isTextual()) {
                wrong.add("generatorURL: " + alert);
            }
        }
        return wrong;
    }

    private List<JsonNode> webhookAlerts() {
        List<JsonNode> alerts = new ArrayList<>();
        for (String body : webhookBodies) {
            try {
                JSON.readTree(body).forEach(alerts::add);
            } catch (java.io.IOException e) {
                throw new AssertionError("webhook body is not JSON: " + body, e);
            }
        }
        return alerts;
    }

    private static Set<String> storedDedupeKeys() {
        Set<String> keys = new HashSet<>();
        try (Connection connection = DB.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT dedupe_key FROM budget_alert"
                        + " WHERE template_id NOT IN ('mon-dead', 'mon-restart', 'mon-live')")) {
            while (rows.next()) {
                keys.add(rows.getString(1));
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return keys;
    }


    private static void template(String id, String awardType, String currency, long budget,
            String fallback, long driftTolerance) throws Exception {
        DATA.execute("INSERT INTO reward_template (template_id, activity_id, award_type, currency,"
                + " amount_rule, fixed_amount_minor, budget_minor, budget_shards,"
                + " fallback_template_id, drift_tolerance_minor) VALUES (?, 'mon-formal', ?, ?,"
                + " 'FIXED', 1, ?, 1, ?, ?)", id, awardType, currency, budget, fallback,
                driftTolerance);
    }



    private static void await(java.util.function.BooleanSupplier condition, String what)
            throws InterruptedException {
        MonitorDatabase.await(condition, what, 60);
    }
}
