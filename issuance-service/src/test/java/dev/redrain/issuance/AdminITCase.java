package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redrain.core.activity.Stage;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The operators' API: only operator tokens get in (never an app signature), viewers only
 * read, a stage switch moves grabs at once and is audited, and each degradation switch does
 * what runbooks/degradation-switches.md says.
 */
class AdminITCase extends IssuanceTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void onlyOperatorsChangeAndAppsNeverGetIn() throws Exception {
        fixtures().festival("adm", Stage.GRAY, 100)
                .fixed("adm-gray", "adm-gray", "CASH", "CNY", 5, 500, 1, null)
                .fixed("adm-formal", "adm-formal", "CASH", "CNY", 50, 5_000, 2, null)
                .rains("adm", "CASH").load();
        String change = "{\"stage\":\"FORMAL\",\"reason\":\"gray looked healthy\"}";
        assertThat(admin(null, "GET", "/admin/activities/adm/budgets", null).statusCode())
                .isEqualTo(401);
        assertThat(admin("not-a-token", "GET", "/admin/switches", null).statusCode())
                .isEqualTo(401);
        HttpResponse<String> appSigned = client().send("POST", "/admin/activities/adm/live-stage",
                change.getBytes(StandardCharsets.UTF_8), System.currentTimeMillis(),
                SignedClient.nonce(), null);
        assertThat(appSigned.statusCode()).isEqualTo(401);
        assertThat(admin(VIEWER_TOKEN, "POST", "/admin/activities/adm/live-stage", change)
                .statusCode()).isEqualTo(403);
        assertThat(catalog.current().activity("adm").orElseThrow().liveStage())
                .isEqualTo(Stage.GRAY);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM admin_audit WHERE target = 'adm'",
                Long.class)).isZero();

        assertThat(grab("adm", "u1", "r1").get("award").get("amountMinor").asLong())
                .isEqualTo(5);
        HttpResponse<String> switched = admin(OPERATOR_TOKEN, "POST",
                "/admin/activities/adm/live-stage", change);
        assertThat(switched.statusCode()).as(switched.body()).isEqualTo(200);
        assertThat(JSON.readTree(switched.body()).get("from").asText()).isEqualTo("GRAY");
        assertThat(grab("adm", "u1", "r2").get("award").get("amountMinor").asLong())
                .isEqualTo(50);
        Map<String, Object> audit = jdbc.queryForMap("SELECT actor, action, target,"
                + " before_value, after_value, reason FROM admin_audit WHERE target = 'adm'");
        assertThat(audit).containsEntry("actor", "ops").containsEntry("action", "LIVE_STAGE")
                .containsEntry("before_value", "GRAY").containsEntry("after_value", "FORMAL")
                .containsEntry("reason", "gray looked healthy");

        JsonNode budgets = JSON.readTree(admin(VIEWER_TOKEN, "GET",
                "/admin/activities/adm/budgets", null).body());
        assertThat(budgets.get("liveStage").asText()).isEqualTo("FORMAL");
        assertThat(budgets.get("budgetState").asText()).isEqualTo("LIVE");
        JsonNode formal = budgets.get("templates").get(0);
        assertThat(formal.get("templateId").asText()).isEqualTo("adm-formal");
        assertThat(formal.get("remainingMinor").asLong()).isEqualTo(4_950);
        assertThat(formal.get("grantedMinor").asLong()).isEqualTo(50);
        JsonNode gray = budgets.get("templates").get(1);
        assertThat(gray.get("grantedMinor").asLong()).isEqualTo(5);

        assertThat(admin(OPERATOR_TOKEN, "POST", "/admin/activities/adm/live-stage",
                "{\"stage\":\"PARTY\",\"reason\":\"x\"}").statusCode()).isEqualTo(400);
        assertThat(admin(OPERATOR_TOKEN, "POST", "/admin/activities/adm/live-stage",
                "{\"stage\":\"GRAY\"}").statusCode()).isEqualTo(400);
    }

    @Test
    void degradationSwitchesTakeEffectAtOnce() throws Exception {
        fixtures().festival("deg", Stage.FORMAL, 0)
                .fixed("deg-coupon", "deg-formal", "COUPON", "CPN", 1, 100, 1, null)
                .fixed("deg-cash", "deg-formal", "CASH", "CNY", 10, 1_000, 1, "deg-coupon")
                .rains("deg", java.util.Map.of(Fixtures.SCENE, "CASH", "scene-9", "CASH")).load();
        setSwitch("scene-closed:deg:scene-9", true);
        HttpResponse<String> closed = client().post("/v1/grab", SignedClient.grabJson(APP, "v1",
                "deg", "scene-9", "r1"));
        assertThat(closed.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(closed.body()).get("code").asText()).isEqualTo("SCENE_CLOSED");
        assertThat(grab("deg", "v1", "r1").get("outcome").asText()).isEqualTo("AWARDED");

        setSwitch("fallback-only:deg", true);
        JsonNode fallback = grab("deg", "v2", "r1");
        assertThat(fallback.get("outcome").asText()).isEqualTo("FALLBACK");
        assertThat(fallback.get("award").get("currency").asText()).isEqualTo("CPN");
        setSwitch("fallback-only:deg", false);

        setSwitch("outbox-only", true);
        String waiting = "SELECT COUNT(*) FROM outbox WHERE published_at IS NULL";
        long waitingBefore = jdbc.queryForObject(waiting, Long.class);
        grab("deg", "v3", "r1");
        // The event waits in the outbox while the switch is on (the relay, every 500 ms, sends
        // nothing to the Kafka the switch protects), and is published once the switch is off.
        Thread.sleep(1_500);
        assertThat(jdbc.queryForObject(waiting, Long.class)).isEqualTo(waitingBefore + 1);
        setSwitch("outbox-only", false);
        long drainDeadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        while (jdbc.queryForObject(waiting, Long.class) > waitingBefore
                && System.nanoTime() < drainDeadline) {
            Thread.sleep(100);
        }
        assertThat(jdbc.queryForObject(waiting, Long.class)).isEqualTo(waitingBefore);

        setSwitch("wallet-read-only", true);
        String actId = grab("deg", "v4", "r1").get("actId").asText();
        HttpResponse<String> refused = client().post("/v1/wallet/" + actId + "/withdrawals",
                "{\"requestId\":\"w1\",\"amountMinor\":1,\"tokens\":[]}");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(refused.body()).get("code").asText())
                .isEqualTo("WALLET_READ_ONLY");
        assertThat(client().get("/v1/wallet/" + actId).statusCode()).isEqualTo(200);
        setSwitch("wallet-read-only", false);

        assertThat(admin(OPERATOR_TOKEN, "PUT", "/admin/switches/self-destruct",
                "{\"on\":true,\"reason\":\"x\"}").statusCode()).isEqualTo(400);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM admin_audit WHERE action ="
                + " 'SWITCH'", Long.class)).isEqualTo(7);
    }

    @Test
    void aSwitchNamingAStageAMadeUpActivityOrAnUndeclaredSceneIsRefusedAndChangesNothing()
            throws Exception {
        fixtures().festival("swt", Stage.FORMAL, 0)
                .fixed("swt-cash", "swt-formal", "CASH", "CNY", 10, 1_000, 1, null)
                .rains("swt", "CASH").load();
        java.util.Map<String, String> before = switchesNow();
        long audited = jdbc.queryForObject("SELECT COUNT(*) FROM admin_audit", Long.class);
        // The child id a budget alert carries: it would match no grab, cash would still pay.
        HttpResponse<String> stage = admin(OPERATOR_TOKEN, "PUT",
                "/admin/switches/fallback-only:swt-formal", "{\"on\":true,\"reason\":\"INC-1\"}");
        expect(stage, 404, "UNKNOWN_ACTIVITY");
        assertThat(stage.body()).contains("fallback-only:swt");
        expect(admin(OPERATOR_TOKEN, "PUT", "/admin/switches/fallback-only:made-up",
                "{\"on\":true,\"reason\":\"INC-1\"}"), 404, "UNKNOWN_ACTIVITY");
        expect(admin(OPERATOR_TOKEN, "PUT", "/admin/switches/scene-closed:swt:scene-404",
                "{\"on\":true,\"reason\":\"INC-1\"}"), 404, "UNKNOWN_SCENE");
        expect(admin(OPERATOR_TOKEN, "PUT", "/admin/switches/scene-closed:made-up:scene-1",
                "{\"on\":true,\"reason\":\"INC-1\"}"), 404, "UNKNOWN_ACTIVITY");
        assertThat(switchesNow()).isEqualTo(before);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM admin_audit", Long.class))
                .isEqualTo(audited);
        assertThat(grab("swt", "sw1", "r1").get("outcome").asText()).isEqualTo("AWARDED");
        // A switch left on for an activity since removed can still be turned off.
        REDIS.commands().hset(new dev.redrain.core.keys.RedisKeys(REDIS.namespace())
                .switches(), "fallback-only:gone", "on");
        Thread.sleep(400); // the switches are re-read every 200 ms
        setSwitch("fallback-only:gone", false);
        assertThat(switchesNow()).doesNotContainKey("fallback-only:gone");
    }

    @Test
    void prometheusScrapesTheRedrainMetersWithAnOperatorsTokenOnly() throws Exception {
        fixtures().festival("prm", Stage.FORMAL, 0)
                .fixed("prm-cash", "prm-formal", "CASH", "CNY", 10, 1_000, 1, null)
                .rains("prm", "CASH").load();
        grab("prm", "scraped", "r1");
        HttpResponse<String> scrape = admin(OPERATOR_TOKEN, "GET", "/actuator/prometheus", null);
        assertThat(scrape.statusCode()).as(scrape.body()).isEqualTo(200);
        assertThat(scrape.headers().firstValue("Content-Type")).get().asString()
                .startsWith("text/plain");
        assertThat(scrape.body()).contains("redrain_grabs_total{", "redrain_outbox_depth",
                "redrain_events_publish_latency_seconds", "redrain_grab_unrecorded_swept_total",
                "outcome=\"AWARDED\"");
        assertThat(admin(null, "GET", "/actuator/prometheus", null).statusCode())
                .isEqualTo(401);
    }

    private java.util.Map<String, String> switchesNow() throws Exception {
        HttpResponse<String> response = admin(VIEWER_TOKEN, "GET", "/admin/switches", null);
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readValue(response.body(), new com.fasterxml.jackson.core.type
                .TypeReference<java.util.Map<String, String>>() { });
    }

    @Test
    void anActivityItsTemplatesAndAllowListAreCreatedThroughTheApi() throws Exception {
        String now = java.time.Instant.now().minusSeconds(60).toString();
        String later = java.time.Instant.now().plusSeconds(86_400).toString();
        HttpResponse<String> created = admin(OPERATOR_TOKEN, "POST", "/admin/activities",
                "{\"activityId\":\"api\",\"name\":\"Via the API\",\"startsAt\":\"" + now
                        + "\",\"endsAt\":\"" + later + "\",\"liveStage\":\"INTERNAL_TEST\","
                        + "\"grayPercent\":10,\"reason\":\"new festival\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        assertThat(admin(VIEWER_TOKEN, "POST", "/admin/activities", "{}").statusCode())
                .isEqualTo(403);
        assertThat(admin(OPERATOR_TOKEN, "POST", "/admin/activities", "{\"activityId\":\"api\","
                + "\"name\":\"again\",\"startsAt\":\"" + now + "\",\"endsAt\":\"" + later
                + "\",\"reason\":\"duplicate\"}").statusCode()).isEqualTo(409);

        String coupon = "{\"templateId\":\"api-coupon\",\"stage\":\"INTERNAL_TEST\","
                + "\"awardType\":\"COUPON\",\"amountRule\":\"FIXED\",\"fixedAmountMinor\":1,"
                + "\"budgetMinor\":10,\"budgetShards\":2,\"reason\":\"fallback\"}";
        HttpResponse<String> couponCreated = admin(OPERATOR_TOKEN, "POST",
                "/admin/activities/api/templates", coupon);
        assertThat(couponCreated.statusCode()).as(couponCreated.body()).isEqualTo(200);
        assertThat(JSON.readTree(couponCreated.body()).get("currency").asText())
                .isEqualTo("CPN");
        String cash = "{\"templateId\":\"api-cash\",\"stage\":\"INTERNAL_TEST\","
                + "\"awardType\":\"CASH\",\"amountRule\":\"FIXED\",\"fixedAmountMinor\":100,"
                + "\"budgetMinor\":%d,\"fallbackTemplateId\":\"%s\",\"reason\":\"cash\"}";
        expectInvalid(admin(OPERATOR_TOKEN, "POST", "/admin/activities/api/templates",
                String.format(cash, 150, "api-coupon")));             // not a multiple
        expectInvalid(admin(OPERATOR_TOKEN, "POST", "/admin/activities/api/templates",
                String.format(cash, 200, "no-such-template")));       // unknown fallback
        expectInvalid(admin(OPERATOR_TOKEN, "POST", "/admin/activities/api/templates",
                coupon.replace("COUPON", "GOLD").replace("api-coupon", "api-gold")));
        expectInvalid(admin(OPERATOR_TOKEN, "POST", "/admin/activities/api/templates",
                coupon.replace("\"fixedAmountMinor\":1", "\"fixedAmountMinor\":-1")
                        .replace("api-coupon", "api-neg")));
        assertThat(admin(OPERATOR_TOKEN, "POST", "/admin/activities/api/templates",
                String.format(cash, 200, "api-coupon")).statusCode()).isEqualTo(200);

        HttpResponse<String> noRain = client().post("/v1/grab", SignedClient.grabJson(APP,
                "insider", "api", "scene-1", "r1"));
        assertThat(noRain.statusCode()).as("no rain is declared yet").isEqualTo(404);
        HttpResponse<String> rain = admin(OPERATOR_TOKEN, "PUT", "/admin/activities/api/rains/r1",
                "{\"opensAt\":\"" + now + "\",\"closesAt\":\"" + later + "\",\"scenes\":[{"
                        + "\"sceneId\":\"scene-1\",\"awardType\":\"CASH\"}],"
                        + "\"reason\":\"first rain\"}");
        assertThat(rain.statusCode()).as(rain.body()).isEqualTo(200);
        HttpResponse<String> refused = client().post("/v1/grab", SignedClient.grabJson(APP,
                "insider", "api", "scene-1", "r1"));
        assertThat(refused.statusCode()).isEqualTo(403);
        String insider = JSON.readTree(client().post("/v1/accounts/bind", "{\"appId\":\""
                + APP + "\",\"userId\":\"insider\"}").body()).get("actId").asText();
        assertThat(admin(OPERATOR_TOKEN, "POST", "/admin/activities/api/allow-list",
                "{\"stage\":\"INTERNAL_TEST\",\"actIds\":[\"" + insider + "\"],"
                        + "\"reason\":\"qa team\"}").statusCode()).isEqualTo(200);
        JsonNode first = grab("api", "insider", "r1");
        assertThat(first.get("award").get("amountMinor").asLong()).isEqualTo(100);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM admin_audit WHERE action IN"
                + " ('CREATE_ACTIVITY', 'CREATE_TEMPLATE', 'ALLOW_LIST')", Long.class))
                .isEqualTo(4);
    }

    @Test
    void aBudgetRaiseIsGrantedExactlyOnceEvenWhenRetried() throws Exception {
        fixtures().festival("rse", Stage.FORMAL, 0)
                .fixed("rse-cash", "rse-formal", "CASH", "CNY", 10, 30, 2, null)
                .rains("rse", "CASH").load();
        fixtures().festival("rsp", Stage.FORMAL, 0).pool("rsp-cash", "rsp-formal", 3, 30, 1)
                .rains("rsp", "CASH").load();
        long granted = 0;
        for (int i = 0; i < 5; i++) {
            JsonNode answer = grab("rse", "r" + i, "r1");
            granted += answer.get("award").isNull() ? 0
                    : answer.get("award").get("amountMinor").asLong();
        }
        assertThat(granted).isEqualTo(30);
        String raise = "{\"raiseId\":\"raise-1\",\"addMinor\":20,\"reason\":\"burn ok\"}";
        HttpResponse<String> raised = admin(OPERATOR_TOKEN, "POST",
                "/admin/templates/rse-cash/budget-raises", raise);
        assertThat(raised.statusCode()).as(raised.body()).isEqualTo(200);
        assertThat(JSON.readTree(raised.body()).get("budgetMinor").asLong()).isEqualTo(50);
        assertThat(JSON.readTree(raised.body()).get("remainingMinor").asLong()).isEqualTo(20);
        // The same raise again (a retry) adds nothing; the same id for another raise is refused.
        assertThat(JSON.readTree(admin(OPERATOR_TOKEN, "POST",
                "/admin/templates/rse-cash/budget-raises", raise).body()).get("remainingMinor")
                .asLong()).isEqualTo(20);
        assertThat(admin(OPERATOR_TOKEN, "POST", "/admin/templates/rse-cash/budget-raises",
                raise.replace("20", "40")).statusCode()).isEqualTo(409);
        assertThat(admin(OPERATOR_TOKEN, "POST", "/admin/templates/rse-cash/budget-raises",
                "{\"raiseId\":\"raise-2\",\"addMinor\":15,\"reason\":\"x\"}").statusCode())
                .isEqualTo(400);
        assertThat(admin(OPERATOR_TOKEN, "POST", "/admin/templates/rsp-cash/budget-raises",
                "{\"raiseId\":\"raise-3\",\"addMinor\":10,\"reason\":\"x\"}").statusCode())
                .isEqualTo(409);
        // An unknown template is named as such, on both routes that take one.
        HttpResponse<String> unknown = admin(OPERATOR_TOKEN, "POST",
                "/admin/templates/no-such-template/budget-raises",
                "{\"raiseId\":\"raise-4\",\"addMinor\":10,\"reason\":\"x\"}");
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).get("code").asText())
                .isEqualTo("UNKNOWN_TEMPLATE");
        HttpResponse<String> unknownPatch = admin(OPERATOR_TOKEN, "PATCH",
                "/admin/templates/no-such-template",
                "{\"alertThresholdsPct\":[50],\"reason\":\"x\"}");
        assertThat(unknownPatch.statusCode()).as(unknownPatch.body()).isEqualTo(404);
        assertThat(JSON.readTree(unknownPatch.body()).get("code").asText())
                .isEqualTo("UNKNOWN_TEMPLATE");
        for (int i = 5; i < 12; i++) {
            JsonNode answer = grab("rse", "r" + i, "r1");
            granted += answer.get("award").isNull() ? 0
                    : answer.get("award").get("amountMinor").asLong();
        }
        assertThat(granted).isEqualTo(50);
    }

    @Test
    void aPausedActivityRefusesGrabsUntilResumedAndAnEndedOneForGood() throws Exception {
        fixtures().festival("pse", Stage.FORMAL, 0)
                .fixed("pse-cash", "pse-formal", "CASH", "CNY", 10, 1_000, 1, null)
                .rains("pse", "CASH").load();
        assertThat(grab("pse", "p1", "r1").get("outcome").asText()).isEqualTo("AWARDED");
        String pause = "{\"status\":\"PAUSED\",\"reason\":\"app bug\"}";
        assertThat(admin(OPERATOR_TOKEN, "POST", "/admin/activities/pse/status", pause)
                .statusCode()).isEqualTo(200);
        HttpResponse<String> refused = client().post("/v1/grab", SignedClient.grabJson(APP,
                "p2", "pse", "scene-1", "r1"));
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(refused.body()).get("code").asText())
                .isEqualTo("ACTIVITY_NOT_LIVE");
        assertThat(admin(OPERATOR_TOKEN, "POST", "/admin/activities/pse/status",
                pause.replace("PAUSED", "ACTIVE")).statusCode()).isEqualTo(200);
        assertThat(grab("pse", "p2", "r1").get("outcome").asText()).isEqualTo("AWARDED");
        assertThat(admin(OPERATOR_TOKEN, "POST", "/admin/activities/pse/status",
                pause.replace("PAUSED", "ENDED")).statusCode()).isEqualTo(200);
        assertThat(admin(OPERATOR_TOKEN, "POST", "/admin/activities/pse/status",
                pause.replace("PAUSED", "ACTIVE")).statusCode()).isEqualTo(409);
        assertThat(admin(OPERATOR_TOKEN, "POST", "/admin/activities/pse/status",
                pause.replace("PAUSED", "NAPPING")).statusCode()).isEqualTo(400);
        assertThat(client().post("/v1/grab", SignedClient.grabJson(APP, "p3", "pse", "scene-1",
                "r1")).statusCode()).isEqualTo(409);
    }

    @Test
    void templatesAndActivitiesAreUpdatedSafelyAndAudited() throws Exception {
        fixtures().festival("upd", Stage.FORMAL, 0)
                .fixed("upd-cash", "upd-formal", "CASH", "CNY", 10, 10, 1, null)
                .fixed("upd-coupon", "upd-formal", "COUPON", "CPN", 1, 100, 1, null)
                .fixed("upd-points", "upd-formal", "POINTS", "PTS", 1, 100, 1, "upd-coupon")
                .fixed("upd-other", "upd-gray", "COUPON", "CPN", 1, 100, 1, null)
                .rains("upd", "CASH").load();
        assertThat(grab("upd", "u1", "r1").get("outcome").asText()).isEqualTo("AWARDED");
        assertThat(grab("upd", "u2", "r1").get("outcome").asText()).isEqualTo("EMPTY");

        String patch = "{\"fallbackTemplateId\":\"upd-coupon\",\"alertThresholdsPct\":[90,25,50],"
                + "\"spikeFactorPct\":500,\"driftGraceSeconds\":30,\"reason\":\"coupon backup\"}";
        assertThat(admin(VIEWER_TOKEN, "PATCH", "/admin/templates/upd-cash", patch).statusCode())
                .isEqualTo(403);
        HttpResponse<String> updated = admin(OPERATOR_TOKEN, "PATCH",
                "/admin/templates/upd-cash", patch);
        assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
        assertThat(jdbc.queryForMap("SELECT fallback_template_id, alert_thresholds_pct,"
                + " spike_factor_pct, drift_grace_seconds, budget_minor FROM reward_template"
                + " WHERE template_id = 'upd-cash'")).containsEntry("fallback_template_id",
                        "upd-coupon").containsEntry("alert_thresholds_pct", "25,50,90")
                .containsEntry("spike_factor_pct", 500).containsEntry("drift_grace_seconds", 30)
                .containsEntry("budget_minor", 10L);
        // The admin call reloads this instance's catalog; others reload within a second.
        JsonNode fallback = grab("upd", "u3", "r1");
        assertThat(fallback.get("outcome").asText()).isEqualTo("FALLBACK");
        assertThat(fallback.get("award").get("currency").asText()).isEqualTo("CPN");

        // A cycle (coupon -> points -> coupon), another stage's template, bad ranges and an
        // empty change are refused, and change nothing.
        expectInvalid(admin(OPERATOR_TOKEN, "PATCH", "/admin/templates/upd-coupon",
                "{\"fallbackTemplateId\":\"upd-points\",\"reason\":\"loop\"}"));
        expectInvalid(admin(OPERATOR_TOKEN, "PATCH", "/admin/templates/upd-cash",
                "{\"fallbackTemplateId\":\"upd-other\",\"reason\":\"other stage\"}"));
        expectInvalid(admin(OPERATOR_TOKEN, "PATCH", "/admin/templates/upd-cash",
                "{\"spikeFactorPct\":100,\"reason\":\"x\"}"));
        expectInvalid(admin(OPERATOR_TOKEN, "PATCH", "/admin/templates/upd-cash",
                "{\"alertThresholdsPct\":[0],\"reason\":\"x\"}"));
        expectInvalid(admin(OPERATOR_TOKEN, "PATCH", "/admin/templates/upd-cash",
                "{\"reason\":\"x\"}"));
        expectInvalid(admin(OPERATOR_TOKEN, "PATCH", "/admin/templates/upd-cash",
                "{\"driftToleranceMinor\":-1,\"reason\":\"x\"}"));
        assertThat(admin(OPERATOR_TOKEN, "PATCH", "/admin/templates/nope",
                "{\"spikeFactorPct\":200,\"reason\":\"x\"}").statusCode()).isEqualTo(404);
        assertThat(jdbc.queryForObject("SELECT fallback_template_id FROM reward_template WHERE"
                + " template_id = 'upd-coupon'", String.class)).isNull();
        // "" removes the fallback.
        assertThat(admin(OPERATOR_TOKEN, "PATCH", "/admin/templates/upd-cash",
                "{\"fallbackTemplateId\":\"\",\"reason\":\"no backup\"}").statusCode())
                .isEqualTo(200);
        assertThat(grab("upd", "u4", "r1").get("outcome").asText()).isEqualTo("EMPTY");

        // Moving the end into the past stops grabs; an ended activity no longer changes.
        String past = java.time.Instant.now().minusSeconds(5).toString();
        String earlier = java.time.Instant.now().minusSeconds(3_600).toString();
        expectInvalid(admin(OPERATOR_TOKEN, "PATCH", "/admin/activities/upd",
                "{\"endsAt\":\"" + earlier + "\",\"startsAt\":\"" + past
                        + "\",\"reason\":\"x\"}"));
        HttpResponse<String> ended = admin(OPERATOR_TOKEN, "PATCH", "/admin/activities/upd",
                "{\"endsAt\":\"" + past + "\",\"name\":\"Renamed\",\"reason\":\"over early\"}");
        assertThat(ended.statusCode()).as(ended.body()).isEqualTo(200);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM activity WHERE (activity_id = 'upd'"
                + " OR parent_activity_id = 'upd') AND ends_at < CURRENT_TIMESTAMP(3)",
                Long.class)).isEqualTo(4);
        assertThat(jdbc.queryForObject("SELECT name FROM activity WHERE activity_id ="
                + " 'upd-gray'", String.class)).isEqualTo("Renamed (GRAY)");
        HttpResponse<String> refused = client().post("/v1/grab", SignedClient.grabJson(APP,
                "u5", "upd", "scene-1", "r1"));
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(admin(OPERATOR_TOKEN, "POST", "/admin/activities/upd/status",
                "{\"status\":\"ENDED\",\"reason\":\"done\"}").statusCode()).isEqualTo(200);
        assertThat(admin(OPERATOR_TOKEN, "PATCH", "/admin/activities/upd",
                "{\"grayPercent\":5,\"reason\":\"x\"}").statusCode()).isEqualTo(409);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM admin_audit WHERE action IN"
                + " ('UPDATE_TEMPLATE', 'UPDATE_ACTIVITY') AND target LIKE 'upd%'", Long.class))
                .isEqualTo(3);
    }

    private static void expectInvalid(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).get("code").asText())
                .isEqualTo("INVALID_FIELD");
    }

    private void setSwitch(String name, boolean on) throws Exception {
        HttpResponse<String> response = admin(OPERATOR_TOKEN, "PUT", "/admin/switches/" + name,
                "{\"on\":" + on + ",\"reason\":\"test\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private JsonNode grab(String activity, String userId, String rainId) throws Exception {
        HttpResponse<String> response = client().post("/v1/grab", SignedClient.grabJson(APP,
                userId, activity, "scene-1", rainId));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
