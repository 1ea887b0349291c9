package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.keys.RedisKeys;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * A parent activity's stages are isolated: each child has its own templates and budgets,
 * internal test admits only the allow-list, gray a stable share plus the allow-list, formal
 * everyone, and money granted in one stage never touches another's budget.
 */
class StageITCase extends IssuanceTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void eachStageAdmitsItsOwnPeopleAndSpendsOnlyItsOwnBudget() throws Exception {
        fixtures().festival("stg", Stage.INTERNAL_TEST, 30)
                .fixed("stg-internal-cash", "stg-internal", "CASH", "CNY", 1, 1_000, 2, null)
                .fixed("stg-gray-cash", "stg-gray", "CASH", "CNY", 10, 1_000, 2, null)
                .fixed("stg-formal-cash", "stg-formal", "CASH", "CNY", 100, 10_000, 2, null)
                .rains("stg", "CASH").load();
        String tester = bind("tester");
        fixtures().allow("stg-internal", tester).allow("stg-gray", tester).load();

        expectRefused(grab("stranger", "r1"), "NOT_ADMITTED");
        JsonNode internal = grabOk("tester", "r1");
        assertThat(internal.get("award").get("amountMinor").asLong()).isEqualTo(1);

        setLiveStage("stg", Stage.GRAY);
        int admitted = 0;
        int refused = 0;
        for (int i = 0; i < 60; i++) {
            // Admitted exactly when the actId's stable bucket is below the gray percentage.
            boolean expected = bucket(bind("g" + i)) < 30;
            HttpResponse<String> response = grab("g" + i, "r2");
            if (expected) {
                admitted++;
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                assertThat(JSON.readTree(response.body()).get("award").get("amountMinor")
                        .asLong()).isEqualTo(10);
            } else {
                refused++;
                assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
                assertThat(JSON.readTree(response.body()).get("code").asText())
                        .isEqualTo("NOT_ADMITTED");
            }
        }
        assertThat(admitted).isPositive();
        assertThat(refused).isPositive();
        HttpResponse<String> again = grab("g0", "r3");
        HttpResponse<String> andAgain = grab("g0", "r4");
        assertThat(again.statusCode()).isEqualTo(andAgain.statusCode());
        long grayAwards = admitted + 1 + (again.statusCode() == 200 ? 2 : 0);
        assertThat(grabOk("tester", "r2").get("award").get("amountMinor").asLong()).isEqualTo(10);

        setLiveStage("stg", Stage.FORMAL);
        JsonNode formal = grabOk("stranger", "r5");
        assertThat(formal.get("award").get("amountMinor").asLong()).isEqualTo(100);

        RedisKeys keys = new RedisKeys(REDIS.namespace());
        assertThat(granted(keys, "stg-internal-cash")).isEqualTo(1);
        assertThat(granted(keys, "stg-gray-cash")).isEqualTo(10L * grayAwards);
        assertThat(granted(keys, "stg-formal-cash")).isEqualTo(100);
    }

    /**
     * A rain is one rain whichever stage is live: a user who grabbed it in one stage and taps
     * it again after the operator switched stages (the rain still open) gets the first answer,
     * not a second grant from the new stage's budget.
     */
    @Test
    void aStageSwitchDuringAnOpenRainGrantsNoSecondTime() throws Exception {
        fixtures().festival("sws", Stage.INTERNAL_TEST, 100)
                .fixed("sws-internal-cash", "sws-internal", "CASH", "CNY", 1, 1_000, 2, null)
                .fixed("sws-gray-cash", "sws-gray", "CASH", "CNY", 10, 1_000, 2, null)
                .fixed("sws-formal-cash", "sws-formal", "CASH", "CNY", 100, 10_000, 2, null)
                .rains("sws", "CASH").load();
        String tester = bind("sws-tester");
        fixtures().allow("sws-internal", tester).allow("sws-gray", tester).load();
        JsonNode first = grabOk("sws", "sws-tester", "r1");

        setLiveStage("sws", Stage.GRAY);
        JsonNode inGray = grabOk("sws", "sws-tester", "r1");
        setLiveStage("sws", Stage.FORMAL);
        JsonNode inFormal = grabOk("sws", "sws-tester", "r1");

        assertThat(inGray.get("outTradeNo").asText()).isEqualTo(first.get("outTradeNo")
                .asText());
        assertThat(inFormal.get("outTradeNo").asText()).isEqualTo(first.get("outTradeNo")
                .asText());
        assertThat(inFormal.get("award").get("amountMinor").asLong()).isEqualTo(1);
        RedisKeys keys = new RedisKeys(REDIS.namespace());
        assertThat(granted(keys, "sws-internal-cash")).isEqualTo(1);
        assertThat(granted(keys, "sws-gray-cash")).isZero();
        assertThat(granted(keys, "sws-formal-cash")).isZero();
        // Another rain in the new stage is a new grab.
        assertThat(grabOk("sws", "sws-tester", "r2").get("award").get("amountMinor").asLong())
                .isEqualTo(100);
    }

    /** The stage's stable hash bucket of an actId, 0-99 (CRC32, as the service computes it). */
    private static int bucket(String actId) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(actId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return (int) (crc.getValue() % 100);
    }

    private long granted(RedisKeys keys, String templateId) {
        long total = 0;
        for (int shard = 0; shard < 2; shard++) {
            total += Long.parseLong(REDIS.commands().hget(keys.budgetGranted(templateId, shard),
                    "amountMinor"));
        }
        return total;
    }

    private void setLiveStage(String parentId, Stage stage) {
        jdbc.update("UPDATE activity SET live_stage = ? WHERE activity_id = ?", stage.name(),
                parentId);
        catalog.reload();
    }

    private String bind(String userId) throws Exception {
        HttpResponse<String> response = client().post("/v1/accounts/bind",
                "{\"appId\":\"" + APP + "\",\"userId\":\"" + userId + "\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body()).get("actId").asText();
    }

    private HttpResponse<String> grab(String userId, String rainId) {
        return grab("stg", userId, rainId);
    }

    private HttpResponse<String> grab(String activityId, String userId, String rainId) {
        return client().post("/v1/grab", SignedClient.grabJson(APP, userId, activityId,
                "scene-1", rainId));
    }

    private JsonNode grabOk(String userId, String rainId) throws Exception {
        return grabOk("stg", userId, rainId);
    }

    private JsonNode grabOk(String activityId, String userId, String rainId) throws Exception {
        HttpResponse<String> response = grab(activityId, userId, rainId);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private void expectRefused(HttpResponse<String> response, String code) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        assertThat(JSON.readTree(response.body()).get("code").asText()).isEqualTo(code);
    }
}
