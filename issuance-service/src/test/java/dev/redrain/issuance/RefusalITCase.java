package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.keys.RedisKeys;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every refusal is a 4xx problem+json with a stable code, and changes nothing: no account
 * bound, no budget reserved, no nonce used up by a request that did not verify.
 */
class RefusalITCase extends IssuanceTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static boolean seeded;

    @BeforeEach
    void seed() {
        if (!seeded) {
            fixtures().festival("fest", Stage.FORMAL, 0)
                    .fixed("fest-cash", "fest-formal", "CASH", "CNY", 100, 10_000, 2, null)
                .rains("fest", "CASH").load();
            seeded = true;
        }
    }

    @Test
    void aBadSignatureIsRefusedAndChangesNothing() throws Exception {
        Map<String, Object> before = snapshot();
        byte[] body = grab("victim").getBytes(StandardCharsets.UTF_8);
        long now = System.currentTimeMillis();
        SignedClient client = client();

        expect(client.send("POST", "/v1/grab", body, now, SignedClient.nonce(), "00".repeat(32)),
                401, "BAD_SIGNATURE");
        expect(client.send("POST", "/v1/grab", body, now - 6 * 60_000, SignedClient.nonce(),
                null), 401, "BAD_SIGNATURE");
        expect(client.send("POST", "/v1/grab", body, now + 6 * 60_000, SignedClient.nonce(),
                null), 401, "BAD_SIGNATURE");
        expect(new SignedClient(base(), "stranger", SECRET).post("/v1/grab", grab("victim")),
                401, "BAD_SIGNATURE");
        expect(new SignedClient(base(), APP, "a-guessed-secret-that-is-long-enough-000")
                .post("/v1/grab", grab("victim")), 401, "BAD_SIGNATURE");
        // A body changed after signing.
        String nonce = SignedClient.nonce();
        String signature = dev.redrain.client.RequestSigner.sign(SECRET, "POST",
                "/v1/grab", Long.toString(now), nonce, body);
        expect(client.send("POST", "/v1/grab", grab("someone-else").getBytes(
                StandardCharsets.UTF_8), now, nonce, signature), 401, "BAD_SIGNATURE");
        assertThat(snapshot()).isEqualTo(before);

        // A good request goes through once; the same nonce again is a replay.
        String replayNonce = SignedClient.nonce();
        assertThat(client.send("POST", "/v1/grab", body, now, replayNonce, null).statusCode())
                .isEqualTo(200);
        Map<String, Object> after = snapshot();
        expect(client.send("POST", "/v1/grab", body, now, replayNonce, null), 401,
                "BAD_SIGNATURE");
        assertThat(snapshot()).isEqualTo(after);
    }

    @Test
    void duringARotationBothTheNewAndThePreviousSecretVerifyAndNothingElse() throws Exception {
        String body = "{\"appId\":\"" + LONE_APP + "\",\"userId\":\"rotator\"}";
        assertThat(new SignedClient(base(), LONE_APP, LONE_SECRET).post("/v1/accounts/bind",
                body).statusCode()).isEqualTo(200);
        assertThat(new SignedClient(base(), LONE_APP, LONE_OLD_SECRET).post("/v1/accounts/bind",
                body).statusCode()).isEqualTo(200);
        expect(new SignedClient(base(), LONE_APP, SECRET).post("/v1/accounts/bind", body), 401,
                "BAD_SIGNATURE");
    }

    @Test
    void bodyOfAnotherAppIsForbidden() throws Exception {
        Map<String, Object> before = snapshot();
        expect(client().post("/v1/grab", SignedClient.grabJson(OTHER_APP, "u1", "fest", "s1",
                "r1")), 403, "FORBIDDEN");
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void badInputIsA400NamingTheField() throws Exception {
        Map<String, Object> before = snapshot();
        SignedClient client = client();
        expect(client.post("/v1/grab", "{not json"), 400, "MALFORMED_REQUEST");
        expect(client.post("/v1/grab", "[1,2]"), 400, "MALFORMED_REQUEST");
        expect(client.post("/v1/grab", "{\"appId\":\"douyin\"}"), 400, "INVALID_FIELD");
        expect(client.post("/v1/grab", SignedClient.grabJson(APP, "u_1", "fest", "s", "r")),
                400, "INVALID_FIELD");
        expect(client.post("/v1/grab", SignedClient.grabJson(APP, "u1", "fest", "s",
                "' OR 1=1 --")), 400, "INVALID_FIELD");
        expect(client.post("/v1/grab", SignedClient.grabJson(APP, "u1", "fest", "s",
                "x".repeat(65))), 400, "INVALID_FIELD");
        expect(client.post("/v1/grab", "{\"appId\":\"douyin\",\"userId\":{\"a\":1},"
                + "\"activityId\":\"fest\",\"sceneId\":\"s\",\"rainId\":\"r\"}"), 400,
                "MALFORMED_REQUEST");
        expect(client.post("/v1/grab", SignedClient.grabJson(APP, "u1", "nope", "s", "r")), 404,
                "UNKNOWN_ACTIVITY");
        expect(client.post("/v1/grab", SignedClient.grabJson(APP, "u1", "fest-formal", "s",
                "r")), 404, "UNKNOWN_ACTIVITY");
        expect(client.post("/v1/grab", "{\"appId\":\"douyin\",\"userId\":\"u1\",\"activityId\":"
                + "\"fest\",\"sceneId\":\"s\",\"rainId\":\"r\",\"awardType\":\"GOLD\"}"), 404,
                "UNKNOWN_AWARD_TYPE");
        expect(client.post("/v1/grab", "{\"big\":\"" + "x".repeat(20_000) + "\"}"), 413,
                "PAYLOAD_TOO_LARGE");
        expect(client.send("POST", "/v1/nothing-here", "{}".getBytes(StandardCharsets.UTF_8),
                System.currentTimeMillis(), SignedClient.nonce(), null), 404, "UNKNOWN_ROUTE");
        expect(client.get("/v1/grab"), 405, "METHOD_NOT_ALLOWED");
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void fieldsTheClientMayNotChooseAndLooseTypesAreRefused() throws Exception {
        Map<String, Object> before = snapshot();
        SignedClient client = client();
        String grab = "{\"appId\":\"douyin\",\"userId\":\"loose1\",\"activityId\":\"fest\","
                + "\"sceneId\":\"s\",\"rainId\":\"r\"";
        // An amount, an outcome or a template in the body must not be quietly ignored either:
        // the grab would go ahead and the caller believe it chose them.
        expect(client.post("/v1/grab", grab + ",\"amountMinor\":99999999}"), 400,
                "MALFORMED_REQUEST");
        expect(client.post("/v1/grab", grab + ",\"outcome\":\"AWARDED\"}"), 400,
                "MALFORMED_REQUEST");
        expect(client.post("/v1/grab", "{\"appId\":\"douyin\",\"userId\":12345,\"activityId\":"
                + "\"fest\",\"sceneId\":\"s\",\"rainId\":\"r\"}"), 400, "MALFORMED_REQUEST");
        String wallet = "/v1/wallet/A0000000000000000000/withdrawals";
        expect(client.post(wallet, "{\"requestId\":\"w1\",\"amountMinor\":\"100\",\"tokens\":[]}"),
                400, "MALFORMED_REQUEST");
        // 1.5 fen is not money: never truncated to 1.
        expect(client.post(wallet, "{\"requestId\":\"w1\",\"amountMinor\":1.5,\"tokens\":[]}"),
                400, "MALFORMED_REQUEST");
        assertThat(snapshot()).isEqualTo(before);
    }

    /** Everything a grab could change: bindings, budgets, tokens. */
    private Map<String, Object> snapshot() {
        RedisKeys keys = new RedisKeys(REDIS.namespace());
        return Map.of(
                "bindings", jdbc.queryForObject("SELECT COUNT(*) FROM account_binding", Long.class),
                "accounts", jdbc.queryForObject("SELECT COUNT(*) FROM unified_account", Long.class),
                "remaining0", String.valueOf(REDIS.commands().get(keys.budgetRemaining("fest-cash",
                        0))),
                "remaining1", String.valueOf(REDIS.commands().get(keys.budgetRemaining("fest-cash",
                        1))),
                "tokens", REDIS.commands().keys(REDIS.namespace() + ":{u:*}:tok:*").size());
    }

    private String base() {
        return "http://127.0.0.1:" + port;
    }

    private static String grab(String userId) {
        return SignedClient.grabJson(APP, userId, "fest", "scene-1", "rain-1");
    }
}
