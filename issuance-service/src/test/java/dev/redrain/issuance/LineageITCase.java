package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.keys.RedisKeys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The token lineage API against the stores the service writes: each hop it names is read back
 * from that store (the Redis key, the Kafka record at its offset, the ledger journal, the
 * withdrawal row); a hash planted in Redis is shown with its refused proof and proves nothing.
 */
class LineageITCase extends IssuanceTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static boolean seeded;

    @Autowired
    RedisKeys keys;

    @BeforeEach
    void seed() {
        if (!seeded) {
            fixtures().festival("lin", Stage.FORMAL, 0)
                    .fixed("lin-cash", "lin-formal", "CASH", "CNY", 30, 300_000, 4, null)
                    .rains("lin", "CASH").load();
            seeded = true;
        }
    }

    @Test
    void aWithdrawnTokenShowsEveryHopAndEachIsWhereItSays() throws Exception {
        JsonNode won = ok(client().post("/v1/grab", SignedClient.grabJson(APP, "nora", "lin",
                "scene-1", "rain-0")));
        String outTradeNo = won.get("outTradeNo").asText();
        String actId = won.get("actId").asText();
        String withdrawal = "{\"requestId\":\"lin-1\",\"amountMinor\":30,\"tokens\":[\""
                + won.get("token").asText() + "\"]}";
        assertThat(ok(client().post("/v1/wallet/" + actId + "/withdrawals", withdrawal))
                .get("status").asText()).isEqualTo("PAID");

        JsonNode lineage = ok(admin(VIEWER_TOKEN, "GET", "/admin/lineage/" + outTradeNo, null));
        assertThat(lineage.get("actId").asText()).isEqualTo(actId);
        assertThat(lineage.get("amount").asText()).isEqualTo("0.30 CNY");
        assertThat(texts(lineage.get("reached"))).containsExactly("ISSUED", "CREDITED",
                "WITHDRAWN", "PAID");
        assertThat(lineage.get("unspent").asText()).isEqualTo("0.00 CNY");
        assertThat(lineage.get("searches")).allSatisfy(search -> assertThat(search.get(
                "complete").asBoolean()).as(search.toString()).isTrue());

        JsonNode answer = hop(lineage, "GRAB_ANSWER");
        assertThat(REDIS.commands().get(answer.get("where").asText())).contains(outTradeNo);
        JsonNode hash = hop(lineage, "REDIS_TOKEN");
        assertThat(hash.path("facts").path("grantProof").asText()).isEqualTo("VERIFIED");
        assertThat(REDIS.commands().hget(hash.get("where").asText(), "outTradeNo"))
                .isEqualTo(outTradeNo);
        JsonNode issued = hop(lineage, "TOKEN_ISSUED");
        assertThat(issued.path("facts").path("grantProof").asText()).isEqualTo("VERIFIED");
        assertThat(recordAt(issued.get("where").asText())).contains(outTradeNo);
        JsonNode credit = hop(lineage, "LEDGER_CREDIT");
        assertThat(credit.path("facts").path("source").asText()).isEqualTo("FORCE");
        assertThat(jdbc.queryForObject("SELECT out_trade_no FROM ledger_journal WHERE journal_id"
                + " = ?", String.class, idOf(credit, "ledger_journal "))).isEqualTo(outTradeNo);
        assertThat(texts(credit.path("facts").path("entries"))).anyMatch(entry -> entry
                .startsWith("WALLET:" + actId + ":CNY 0.30 CNY"));
        JsonNode paid = hop(lineage, "WITHDRAWAL");
        assertThat(paid.path("facts").path("status").asText()).isEqualTo("PAID");
        assertThat(paid.get("amount").asText()).isEqualTo("0.30 CNY");
        assertThat(jdbc.queryForObject("SELECT status FROM wallet_withdrawal WHERE withdrawal_id"
                + " = ?", String.class, idOf(paid, "wallet_withdrawal "))).isEqualTo("PAID");
        assertThat(hop(lineage, "WITHDRAWAL_DEBIT").path("facts").path("outTradeNo").asText())
                .isEqualTo(paid.path("facts").path("debit").asText());
    }

    @Test
    void aHashPlantedInRedisIsShownRefusedAndProvesNothing() throws Exception {
        String planted = "20261203101010123000" + "EVE0000001";
        String key = keys.token("eve", planted);
        REDIS.commands().hset(key, Map.of("outTradeNo", planted, "actId", "eve", "status",
                "ISSUED", "amountMinor", "99999", "currency", "CNY", "grantProof", "forged"));
        JsonNode lineage = ok(admin(OPERATOR_TOKEN, "GET", "/admin/lineage/" + planted
                + "?actId=eve", null));
        assertThat(texts(lineage.get("reached"))).isEmpty();
        assertThat(hop(lineage, "REDIS_TOKEN").path("facts").path("grantProof").asText())
                .isNotEqualTo("VERIFIED").isNotBlank();
        assertThat(lineage.get("hops")).hasSize(1);
    }

    @Test
    void aNumberNoStoreHoldsIs404AndAMalformedOneIs400() throws Exception {
        expect(admin(VIEWER_TOKEN, "GET", "/admin/lineage/" + "20261203101010123000"
                + "NBDY000001", null), 404, "UNKNOWN_TOKEN");
        expect(admin(VIEWER_TOKEN, "GET", "/admin/lineage/not-a-token", null), 400,
                "INVALID_FIELD");
        expect(admin(VIEWER_TOKEN, "GET", "/admin/lineage/" + "20261203101010123000"
                + "NBDY000001?actId=a%20b", null), 400, "INVALID_FIELD");
        assertThat(admin(null, "GET", "/admin/lineage/" + "20261203101010123000"
                + "NBDY000001", null).statusCode()).isEqualTo(401);
    }

    private static JsonNode hop(JsonNode lineage, String name) {
        List<JsonNode> found = new ArrayList<>();
        lineage.get("hops").forEach(hop -> {
            if (hop.get("hop").asText().equals(name)) {
                found.add(hop);
            }
        });
        assertThat(found).as(name + " in " + lineage.toPrettyString()).isNotEmpty();
        return found.get(0);
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }

    private static long idOf(JsonNode hop, String prefix) {
        String where = hop.get("where").asText();
        assertThat(where).startsWith(prefix);
        return Long.parseLong(where.substring(prefix.length()));
    }

    /** The value of the record at {@code topic-partition@offset}, read back from Kafka. */
    private static String recordAt(String where) {
        Matcher at = Pattern.compile("(.+)-(\\d+)@(\\d+)").matcher(where);
        assertThat(at.matches()).as(where).isTrue();
        TopicPartition partition = new TopicPartition(at.group(1), Integer.parseInt(at.group(2)));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                KAFKA.consumerProperties("lineage-check"), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, Long.parseLong(at.group(3)));
            for (int poll = 0; poll < 20; poll++) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(
                        250))) {
                    assertThat(record.offset()).isEqualTo(Long.parseLong(at.group(3)));
                    return new String(record.value(), StandardCharsets.UTF_8);
                }
            }
        }
        throw new AssertionError("no record at " + where);
    }
}
