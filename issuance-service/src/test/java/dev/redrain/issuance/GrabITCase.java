package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.core.keys.Topics;
import dev.redrain.issuance.budget.BudgetStore;
import dev.redrain.issuance.budget.ThresholdRecorder;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class GrabITCase extends IssuanceTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void twoHundredConcurrentGrabbersReserveExactlyTheBudgetThenFallBackThenGetNothing()
            throws Exception {
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        Logger thresholds = (Logger) LoggerFactory.getLogger(ThresholdRecorder.class);
        Logger shards = (Logger) LoggerFactory.getLogger(BudgetStore.class);
        thresholds.addAppender(logged);
        shards.addAppender(logged);
        try {
            rushEmptiesTheBudget();
        } finally {
            thresholds.detachAppender(logged);
            shards.detachAppender(logged);
        }
        // On-call reads amounts as people do: major units with the currency, never fen.
        List<String> lines = logged.list.stream().map(ILoggingEvent::getFormattedMessage)
                .toList();
        assertThat(lines).contains("template rush-cash crossed 100% of its budget: 50.00 CNY"
                + " of 50.00 CNY granted", "template rush-coupon crossed 100% of its budget:"
                + " 30 CPN of 30 CPN granted");
        assertThat(lines).anyMatch(line -> line.startsWith("loaded 8 budget shards of template"
                + " rush-cash (50.00 CNY of 50.00 CNY left)"));
        assertThat(lines).noneMatch(line -> line.contains("minor"));
    }

    private void rushEmptiesTheBudget() throws Exception {
        fixtures().festival("rush", Stage.FORMAL, 0)
                .fixed("rush-coupon", "rush-formal", "COUPON", "CPN", 1, 30, 4, null)
                .fixed("rush-cash", "rush-formal", "CASH", "CNY", 100, 5_000, 8, "rush-coupon")
                .rains("rush", "CASH").load();
        List<JsonNode> answers = concurrently(200, i -> client().post("/v1/grab",
                SignedClient.grabJson(APP, "u" + i, "rush", "scene-1", "rain-1")));

        Map<String, Integer> outcomes = new HashMap<>();
        long cashFen = 0;
        long coupons = 0;
        Set<String> outTradeNos = new HashSet<>();
        RedisKeys keys = new RedisKeys(REDIS.namespace());
        for (JsonNode answer : answers) {
            outcomes.merge(answer.get("outcome").asText(), 1, Integer::sum);
            if (!answer.get("award").isNull()) {
                String currency = answer.get("award").get("currency").asText();
                long amount = answer.get("award").get("amountMinor").asLong();
                if (currency.equals("CNY")) {
                    cashFen += amount;
                } else {
                    coupons += amount;
                }
                String outTradeNo = answer.get("outTradeNo").asText();
                assertThat(outTradeNos.add(outTradeNo)).isTrue();
                Map<String, String> token = REDIS.commands().hgetall(keys.token(
                        answer.get("actId").asText(), outTradeNo));
                assertThat(token).containsEntry("status", "ISSUED")
                        .containsEntry("amountMinor", Long.toString(amount));
                assertThat(answer.get("token").asText()).isNotBlank();
            } else {
                assertThat(answer.get("token").isNull()).isTrue();
            }
        }
        assertThat(outcomes).containsEntry("AWARDED", 50).containsEntry("FALLBACK", 30)
                .containsEntry("EMPTY", 120);
        assertThat(cashFen).isEqualTo(5_000);
        assertThat(coupons).isEqualTo(30);
        for (int shard = 0; shard < 8; shard++) {
            assertThat(REDIS.commands().get(keys.budgetRemaining("rush-cash", shard)))
                    .isEqualTo("0");
        }

        // Every alert threshold of the emptied cash template is recorded, once.
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (REDIS.commands().scard(keys.thresholdsCrossed("rush-cash")) < 4
                && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(REDIS.commands().smembers(keys.thresholdsCrossed("rush-cash")))
                .containsExactlyInAnyOrder("50", "80", "95", "100");

        List<TokenIssued> events = tokenIssuedEvents(200);
        assertThat(events).hasSize(200);
        assertThat(events.stream().filter(TokenIssued::hasToken).map(TokenIssued::outTradeNo)
                .toList()).containsExactlyInAnyOrderElementsOf(outTradeNos);
        assertThat(events.stream().mapToLong(event -> event.currency().equals("CNY")
                ? event.amountMinor() : 0).sum()).isEqualTo(5_000);
    }

    @Test
    void fiftyCopiesOfOneGrabAtOnceGetOneAwardAndTheSameToken() throws Exception {
        fixtures().festival("dup", Stage.FORMAL, 0)
                .fixed("dup-cash", "dup-formal", "CASH", "CNY", 88, 8_800, 4, null)
                .rains("dup", "CASH").load();
        List<JsonNode> answers = concurrently(50, i -> client().post("/v1/grab",
                SignedClient.grabJson(APP, "same-user", "dup", "scene-1", "rain-9")));
        assertThat(answers).extracting(answer -> answer.get("token").asText()).containsOnly(
                answers.get(0).get("token").asText());
        assertThat(answers).extracting(answer -> answer.get("outTradeNo").asText()).containsOnly(
                answers.get(0).get("outTradeNo").asText());
        RedisKeys keys = new RedisKeys(REDIS.namespace());
        long granted = 0;
        for (int shard = 0; shard < 4; shard++) {
            granted += Long.parseLong(REDIS.commands().hget(keys.budgetGranted("dup-cash", shard),
                    "count"));
        }
        assertThat(granted).isEqualTo(1);
        Thread.sleep(2_500); // a threshold check runs: 1% of the budget crosses nothing
        assertThat(REDIS.commands().scard(keys.thresholdsCrossed("dup-cash"))).isZero();
        // A later retry, and the same rain asked from another app of the same person, too.
        JsonNode again = JSON.readTree(client().post("/v1/grab", SignedClient.grabJson(APP,
                "same-user", "dup", "scene-1", "rain-9")).body());
        assertThat(again.get("token").asText()).isEqualTo(answers.get(0).get("token").asText());
        JsonNode fromOtherApp = JSON.readTree(new SignedClient("http://127.0.0.1:" + port,
                OTHER_APP, OTHER_SECRET).post("/v1/grab", SignedClient.grabJson(OTHER_APP,
                        "same-user", "dup", "scene-1", "rain-9")).body());
        assertThat(fromOtherApp.get("actId").asText()).isEqualTo(again.get("actId").asText());
        assertThat(fromOtherApp.get("outTradeNo").asText())
                .isEqualTo(again.get("outTradeNo").asText());
    }

    @Test
    void everyFenOfAUniformBudgetIsGrantableAcrossShards() throws Exception {
        fixtures().festival("uni", Stage.FORMAL, 0).uniform("uni-cash", "uni-formal", 30, 70,
                1_000, 4)
                .rains("uni", "CASH").load();
        List<JsonNode> answers = concurrently(60, i -> client().post("/v1/grab",
                SignedClient.grabJson(APP, "w" + i, "uni", "scene-1", "rain-1")));
        long total = answers.stream().filter(answer -> !answer.get("award").isNull())
                .mapToLong(answer -> answer.get("award").get("amountMinor").asLong()).sum();
        assertThat(total).isEqualTo(1_000);
        assertThat(answers).allSatisfy(answer -> {
            if (!answer.get("award").isNull()) {
                assertThat(answer.get("award").get("amountMinor").asLong()).isBetween(1L, 70L);
            }
        });
    }

    @Test
    void aPreSplitPoolGrantsEachPacketOnceAndExactlyItsTotal() throws Exception {
        fixtures().festival("pool", Stage.FORMAL, 0).pool("pool-cash", "pool-formal", 40, 2_026,
                3)
                .rains("pool", "CASH").load();
        List<JsonNode> answers = concurrently(55, i -> client().post("/v1/grab",
                SignedClient.grabJson(APP, "p" + i, "pool", "scene-1", "rain-1")));
        List<Long> amounts = answers.stream().filter(answer -> !answer.get("award").isNull())
                .map(answer -> answer.get("award").get("amountMinor").asLong()).toList();
        assertThat(amounts).hasSize(40).allSatisfy(amount -> assertThat(amount).isPositive());
        assertThat(amounts.stream().mapToLong(Long::longValue).sum()).isEqualTo(2_026);
    }

    @Test
    void healthCoversRedisKafkaMysqlAndBudgetsAndGrabsAreCounted() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        JsonNode status = JSON.readTree(http.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + "/actuator/health")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body());
        assertThat(status.get("status").asText()).isEqualTo("UP");
        assertThat(status.has("components")).as("details are for operators only").isFalse();
        assertThat(admin(null, "GET", "/actuator/health/ops", null).statusCode()).isEqualTo(401);
        assertThat(admin(null, "GET", "/actuator/metrics/redrain.grabs", null).statusCode())
                .isEqualTo(401);
        assertThat(admin(null, "GET", "/actuator/prometheus", null).statusCode()).isEqualTo(401);
        assertThat(admin(null, "GET", "/%61ctuator/metrics", null).statusCode()).isEqualTo(401);
        JsonNode health = JSON.readTree(admin(VIEWER_TOKEN, "GET", "/actuator/health/ops", null)
                .body());
        assertThat(health.get("status").asText()).isEqualTo("UP");
        for (String component : List.of("db", "redisHealth", "kafkaHealth", "budgetHealth")) {
            assertThat(health.get("components").get(component).get("status").asText())
                    .as(component).isEqualTo("UP");
        }
        fixtures().festival("obs", Stage.FORMAL, 0)
                .fixed("obs-cash", "obs-formal", "CASH", "CNY", 5, 50, 1, null)
                .rains("obs", "CASH").load();
        client().post("/v1/grab", SignedClient.grabJson(APP, "o1", "obs", "scene-1", "rain-1"));
        JsonNode grabs = JSON.readTree(admin(VIEWER_TOKEN, "GET",
                "/actuator/metrics/redrain.grabs?tag=outcome:AWARDED", null).body());
        assertThat(grabs.get("measurements").get(0).get("value").asDouble()).isPositive();
    }

    @Test
    void theSameSceneAndRainNamesInTwoActivitiesAreTwoGrabs() throws Exception {
        fixtures().festival("twin-a", Stage.FORMAL, 0)
                .fixed("twin-a-cash", "twin-a-formal", "CASH", "CNY", 11, 1_100, 1, null)
                .rains("twin-a", "CASH").load();
        fixtures().festival("twin-b", Stage.FORMAL, 0)
                .fixed("twin-b-cash", "twin-b-formal", "CASH", "CNY", 22, 2_200, 1, null)
                .rains("twin-b", "CASH").load();
        JsonNode a = JSON.readTree(client().post("/v1/grab", SignedClient.grabJson(APP, "twin",
                "twin-a", "scene-1", "rain-1")).body());
        JsonNode b = JSON.readTree(client().post("/v1/grab", SignedClient.grabJson(APP, "twin",
                "twin-b", "scene-1", "rain-1")).body());
        assertThat(a.get("award").get("amountMinor").asLong()).isEqualTo(11);
        assertThat(b.get("award").get("amountMinor").asLong()).isEqualTo(22);
        assertThat(a.get("outTradeNo").asText()).isNotEqualTo(b.get("outTradeNo").asText());
    }

    private List<JsonNode> concurrently(int count, java.util.function.IntFunction<
            HttpResponse<String>> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(count, 64));
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int index = i;
                Callable<HttpResponse<String>> task = () -> {
                    start.await();
                    return call.apply(index);
                };
                futures.add(pool.submit(task));
            }
            start.countDown();
            List<JsonNode> answers = new ArrayList<>();
            for (Future<HttpResponse<String>> future : futures) {
                HttpResponse<String> response = future.get();
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                answers.add(JSON.readTree(response.body()));
            }
            return answers;
        } finally {
            pool.shutdownNow();
        }
    }

    private List<TokenIssued> tokenIssuedEvents(int atLeast) throws Exception {
        EventSerde serde = new EventSerde();
        List<TokenIssued> events = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                KAFKA.consumerProperties("check-" + System.nanoTime()))) {
            consumer.subscribe(List.of(new Topics(topicPrefix()).tokenIssued()));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (events.size() < atLeast && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    TokenIssued event = serde.deserialize(record.value(), TokenIssued.class);
                    if (event.activityId().equals("rush-formal")) {
                        events.add(event);
                    }
                }
            }
        }
        return events;
    }
}
