package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redrain.core.activity.Stage;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client names a rain and a scene, and may name an award type; it chooses none of them. Only
 * rains an operator declared, open now, and their own scenes take grabs; an award type must be
 * the scene's; a fallback template is never granted directly. Every refusal changes nothing:
 * no account bound, no budget reserved, no token.
 */
class DeclaredRainITCase extends IssuanceTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static boolean seeded;

    @BeforeEach
    void seed() {
        if (!seeded) {
            fixtures().festival("dr", Stage.FORMAL, 0)
                    .fixed("dr-coupon", "dr-formal", "COUPON", "CPN", 1, 1_000, 1, null)
                    .fixed("dr-cash", "dr-formal", "CASH", "CNY", 10, 10_000, 1, "dr-coupon")
                    .rains("dr", "CASH", "dr-1").load();
            seeded = true;
        }
    }

    @Test
    void madeUpRainsAndScenesAreRefusedAndChangeNothing() throws Exception {
        Map<String, Object> before = snapshot();
        for (int i = 1; i <= 10; i++) {
            expect(grab("greedy", "c2-" + i, Fixtures.SCENE, null), 404, "UNKNOWN_RAIN");
        }
        for (int i = 1; i <= 5; i++) {
            expect(grab("greedy", "dr-1", "made-up-" + i, null), 404, "UNKNOWN_SCENE");
        }
        assertThat(snapshot()).isEqualTo(before);
        assertThat(ok(grab("greedy", "dr-1", Fixtures.SCENE, null)).get("outcome").asText())
                .isEqualTo("AWARDED");
    }

    @Test
    void aClosedSceneCannotBeReachedUnderNewNames() throws Exception {
        admin(OPERATOR_TOKEN, "PUT", "/admin/switches/scene-closed:dr:" + Fixtures.SCENE,
                "{\"on\":true,\"reason\":\"closing the scene\"}");
        try {
            Map<String, Object> before = snapshot();
            expect(grab("closer", "dr-1", Fixtures.SCENE, null), 409, "SCENE_CLOSED");
            for (int i = 1; i <= 5; i++) {
                expect(grab("closer", "dr-1", Fixtures.SCENE + "-" + i, null), 404,
                        "UNKNOWN_SCENE");
                expect(grab("closer", "dr-1-" + i, Fixtures.SCENE, null), 404, "UNKNOWN_RAIN");
            }
            assertThat(snapshot()).isEqualTo(before);
        } finally {
            admin(OPERATOR_TOKEN, "PUT", "/admin/switches/scene-closed:dr:" + Fixtures.SCENE,
                    "{\"on\":false,\"reason\":\"reopening\"}");
        }
    }

    @Test
    void theAwardTypeIsTheScenesAndAFallbackIsNeverAnEntry() throws Exception {
        JsonNode cash = ok(grab("switcher", "dr-1", Fixtures.SCENE, "CASH"));
        assertThat(cash.get("award").get("type").asText()).isEqualTo("CASH");
        Map<String, Object> before = snapshot();
        expect(grab("switcher", "dr-1", Fixtures.SCENE, "COUPON"), 404, "UNKNOWN_AWARD_TYPE");
        expect(grab("other", "dr-1", Fixtures.SCENE, "COUPON"), 404, "UNKNOWN_AWARD_TYPE");
        assertThat(snapshot()).isEqualTo(before);
        // A scene declared as COUPON still never starts at the cash template's fallback.
        fixtures().rains("dr", "COUPON", "dr-coupon-rain").load();
        expect(grab("switcher", "dr-coupon-rain", Fixtures.SCENE, null), 404,
                "UNKNOWN_AWARD_TYPE");
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void aRainTakesGrabsOnlyInsideItsWindowAndNeverOnceCancelled() throws Exception {
        Instant now = Instant.now();
        schedule("dr-later", now.plus(1, ChronoUnit.HOURS), now.plus(2, ChronoUnit.HOURS));
        schedule("dr-over", now.minus(2, ChronoUnit.HOURS), now.minus(1, ChronoUnit.HOURS));
        schedule("dr-now", now.minus(1, ChronoUnit.MINUTES), now.plus(1, ChronoUnit.HOURS));
        Map<String, Object> before = snapshot();
        expect(grab("timer", "dr-later", Fixtures.SCENE, null), 409, "RAIN_NOT_OPEN");
        expect(grab("timer", "dr-over", Fixtures.SCENE, null), 409, "RAIN_NOT_OPEN");
        assertThat(snapshot()).isEqualTo(before);
        JsonNode granted = ok(grab("timer", "dr-now", Fixtures.SCENE, null));

        HttpResponse<String> cancelled = admin(OPERATOR_TOKEN, "POST",
                "/admin/activities/dr/rains/dr-now/cancel", "{\"reason\":\"wrong time\"}");
        assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
        assertThat(JSON.readTree(cancelled.body()).get("status").asText()).isEqualTo("CANCELLED");
        Map<String, Object> afterCancel = snapshot();
        expect(grab("timer2", "dr-now", Fixtures.SCENE, null), 409, "RAIN_NOT_OPEN");
        // A client asking again for the grab it made before the cancel gets that answer.
        JsonNode askedAgain = ok(grab("timer", "dr-now", Fixtures.SCENE, null));
        assertThat(askedAgain.get("outTradeNo").asText())
                .isEqualTo(granted.get("outTradeNo").asText());
        assertThat(askedAgain.get("token").asText()).isEqualTo(granted.get("token").asText());
        assertThat(snapshot()).as("nothing granted or bound by the refusals and the answer")
                .isEqualTo(afterCancel);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM account_binding WHERE user_id ="
                + " 'timer2'", Long.class)).as("a refused grab binds no account").isZero();
        HttpResponse<String> revive = schedule("dr-now", now.minus(1, ChronoUnit.MINUTES),
                now.plus(3, ChronoUnit.HOURS));
        assertThat(revive.statusCode()).isEqualTo(409);
        assertThat(revive.body()).contains("RAIN_CONFLICT");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM admin_audit WHERE target ="
                + " 'dr/dr-now'", Long.class)).isEqualTo(2);
    }

    @Test
    void anOpenedRainIsExtendedButNeverChangedUnderItsTokens() throws Exception {
        Instant now = Instant.now();
        Instant opens = now.minus(1, ChronoUnit.MINUTES);
        assertThat(schedule("dr-ext", opens, now.plus(1, ChronoUnit.HOURS)).statusCode())
                .isEqualTo(200);
        HttpResponse<String> again = schedule("dr-ext", opens, now.plus(1, ChronoUnit.HOURS));
        assertThat(again.statusCode()).as("the same schedule again: " + again.body())
                .isEqualTo(200);
        HttpResponse<String> extended = admin(OPERATOR_TOKEN, "PUT",
                "/admin/activities/dr/rains/dr-ext", "{\"opensAt\":\"" + opens + "\","
                        + "\"closesAt\":\"" + now.plus(2, ChronoUnit.HOURS) + "\",\"scenes\":["
                        + "{\"sceneId\":\"" + Fixtures.SCENE + "\",\"awardType\":\"CASH\"},"
                        + "{\"sceneId\":\"scene-2\",\"awardType\":\"CASH\"}],"
                        + "\"reason\":\"more time\"}");
        assertThat(extended.statusCode()).as(extended.body()).isEqualTo(200);
        ok(grab("ext", "dr-ext", "scene-2", null));
        String retyped = "{\"opensAt\":\"" + opens + "\",\"closesAt\":\""
                + now.plus(2, ChronoUnit.HOURS) + "\",\"scenes\":[{\"sceneId\":\""
                + Fixtures.SCENE + "\",\"awardType\":\"COUPON\"}],\"reason\":\"x\"}";
        HttpResponse<String> refused = admin(OPERATOR_TOKEN, "PUT",
                "/admin/activities/dr/rains/dr-ext", retyped);
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.body()).contains("RAIN_CONFLICT");
        assertThat(schedule("dr-ext", opens.plusSeconds(30), now.plus(2, ChronoUnit.HOURS))
                .statusCode()).as("an opened rain's opening cannot move").isEqualTo(409);
        assertThat(admin(VIEWER_TOKEN, "PUT", "/admin/activities/dr/rains/dr-v", "{}")
                .statusCode()).isEqualTo(403);
        assertThat(admin(OPERATOR_TOKEN, "PUT", "/admin/activities/nope/rains/x",
                "{\"reason\":\"x\"}").statusCode()).isEqualTo(404);
        JsonNode listed = JSON.readTree(admin(VIEWER_TOKEN, "GET",
                "/admin/activities/dr/rains", null).body());
        assertThat(listed.findValuesAsText("rainId")).contains("dr-1", "dr-ext");
    }

    private HttpResponse<String> schedule(String rainId, Instant opensAt, Instant closesAt)
            throws Exception {
        return admin(OPERATOR_TOKEN, "PUT", "/admin/activities/dr/rains/" + rainId,
                "{\"opensAt\":\"" + opensAt + "\",\"closesAt\":\"" + closesAt + "\",\"scenes\":"
                        + "[{\"sceneId\":\"" + Fixtures.SCENE + "\",\"awardType\":\"CASH\"}],"
                        + "\"reason\":\"scheduled by the test\"}");
    }

    private HttpResponse<String> grab(String userId, String rainId, String sceneId,
            String awardType) {
        String json = SignedClient.grabJson(APP, userId, "dr", sceneId, rainId);
        if (awardType != null) {
            json = json.substring(0, json.length() - 1) + ",\"awardType\":\"" + awardType
                    + "\"}";
        }
        return client().post("/v1/grab", json);
    }

    /** Everything a grab could change: bound accounts, budgets granted, tokens. */
    private Map<String, Object> snapshot() {
        return Map.of(
                "bindings", jdbc.queryForObject("SELECT COUNT(*) FROM account_binding",
                        Long.class),
                "redisKeys", REDIS.commands().keys(REDIS.namespace() + ":*").stream()
                        .filter(key -> !key.contains(":nonce:") && !key.contains(":rate:"))
                        .sorted().toList());
    }
}
