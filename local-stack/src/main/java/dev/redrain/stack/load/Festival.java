package dev.redrain.stack.load;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redrain.client.RedrainClient;
import dev.redrain.stack.run.StackException;
import dev.redrain.stack.run.StackSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo festival, created through the issuance admin API as operators would: a parent
 * activity with internal-test, gray and formal children; in each, a cash template (random
 * amounts of 0.01-8.88 CNY, alert thresholds 50/80/95/100%) falling back to a coupon
 * template; an allow-list of staff for the internal test. The formal cash budget is sized so
 * that it runs out part-way through the rain, and the coupons take over.
 */
public final class Festival {
    public static final String ACTIVITY_ID = "spring-festival";
    static final long CASH_MIN_MINOR = 1;
    static final long CASH_MAX_MINOR = 888;
    public static final int STAFF = 20;

    /** Where each stage's money is, for the summary. */
    /**
     * @param budgets every template's budget as the harness configured it: the checks hold the
     *     service to these, never to the budgets it reports
     */
    public record Plan(String activityId, Instant startsAt, Instant endsAt, long formalCashBudgetMinor,
            List<String> staffActIds, List<Budget> budgets) {
    }

    /** A template's budget as the harness set it. */
    public record Budget(String templateId, String stage, String awardType, long budgetMinor) {
    }

    private Festival() {
    }

    /** True when the activity exists already (a rain against a stack seeded before). */
    public static boolean exists(IssuanceClient client, String activityId) throws Exception {
        return client.admin("GET", "/admin/activities/" + activityId + "/budgets", null).ok();
    }

    /**
     * Creates the festival for a rain of {@code expectedGrabs} distinct grabs in the formal
     * stage lasting {@code rainTime}; the formal cash budget covers about
     * {@code cashShare} of them.
     */
    public static Plan seed(IssuanceClient client, String activityId, long expectedFormalGrabs,
            double cashShare, Duration rainTime) throws Exception {
        Instant startsAt = Instant.now().minusSeconds(5);
        Instant endsAt = Instant.now().plus(rainTime).plusSeconds(60);
        client.adminOk("POST", "/admin/activities", Map.of("activityId", activityId,
                "name", "Spring Festival red packet rain", "startsAt", startsAt.toString(),
                "endsAt", endsAt.toString(), "liveStage", "INTERNAL_TEST", "grayPercent", 20,
                "reason", "demo festival"));
        long averageMinor = (CASH_MIN_MINOR + CASH_MAX_MINOR) / 2;
        long formalCash = Math.max(CASH_MAX_MINOR * 10,
                Math.round(expectedFormalGrabs * cashShare * averageMinor));
        long ample = Math.max(CASH_MAX_MINOR * 50, expectedFormalGrabs * averageMinor);
        List<Budget> budgets = new ArrayList<>();
        budgets.addAll(template(client, activityId, "internal", "INTERNAL_TEST", ample,
                expectedFormalGrabs));
        budgets.addAll(template(client, activityId, "gray", "GRAY", ample, expectedFormalGrabs));
        budgets.addAll(template(client, activityId, "formal", "FORMAL", formalCash,
                expectedFormalGrabs));
        List<String> staff = new ArrayList<>();
        RedrainClient app = client.app(StackSettings.APPS.get(0)).build();
        for (int i = 0; i < STAFF; i++) {
            staff.add(app.bind(Rain.userId("staff-", i)));
        }
        client.adminOk("POST", "/admin/activities/" + activityId + "/allow-list", Map.of(
                "stage", "INTERNAL_TEST", "actIds", staff, "reason", "staff for the internal"
                        + " test"));
        return new Plan(activityId, startsAt, endsAt, formalCash, staff, List.copyOf(budgets));
    }

    private static List<Budget> template(IssuanceClient client, String activityId,
            String prefix, String stage, long cashBudgetMinor, long expectedGrabs)
            throws Exception {
        String coupon = activityId + "-" + prefix + "-coupon";
        String cash = activityId + "-" + prefix + "-cash";
        Map<String, Object> couponBody = new LinkedHashMap<>();
        couponBody.put("templateId", coupon);
        couponBody.put("stage", stage);
        couponBody.put("awardType", "COUPON");
        couponBody.put("amountRule", "FIXED");
        couponBody.put("fixedAmountMinor", 1);
        long couponBudgetMinor = Math.max(1_000, expectedGrabs * 3);
        couponBody.put("budgetMinor", couponBudgetMinor);
        couponBody.put("alertThresholdsPct", List.of(80, 100));
        couponBody.put("reason", "demo coupons");
        client.adminOk("POST", "/admin/activities/" + activityId + "/templates", couponBody);
        Map<String, Object> cashBody = new LinkedHashMap<>();
        cashBody.put("templateId", cash);
        cashBody.put("stage", stage);
        cashBody.put("awardType", "CASH");
        cashBody.put("amountRule", "UNIFORM");
        cashBody.put("minAmountMinor", CASH_MIN_MINOR);
        cashBody.put("maxAmountMinor", CASH_MAX_MINOR);
        cashBody.put("budgetMinor", cashBudgetMinor);
        cashBody.put("budgetShards", 4);
        cashBody.put("alertThresholdsPct", List.of(50, 80, 95, 100));
        cashBody.put("fallbackTemplateId", coupon);
        cashBody.put("reason", "demo cash");
        client.adminOk("POST", "/admin/activities/" + activityId + "/templates", cashBody);
        return List.of(new Budget(coupon, stage, "COUPON", couponBudgetMinor),
                new Budget(cash, stage, "CASH", cashBudgetMinor));
    }

    /**
     * Sets the festival's end to a minute after a rain of {@code rainTime} starting now, as an
     * operator extends a festival for another rain (audited in admin_audit).
     */
    public static void extend(IssuanceClient client, String activityId, Duration rainTime)
            throws Exception {
        Instant wanted = Instant.now().plus(rainTime).plusSeconds(60);
        IssuanceClient.Answer answer = client.admin("PATCH", "/admin/activities/" + activityId,
                Map.of("endsAt", wanted.toString(), "reason", "demo: another rain"));
        if (!answer.ok()) {
            throw new StackException("could not extend " + activityId + " for another rain: "
                    + answer.body());
        }
    }

    /**
     * Declares the rains {@code rain-1..rain-<count>} of the activity with the scene
     * {@code sceneId} (granting cash, which falls back to coupons), open from now until a minute
     * after {@code rainTime}, as an operator schedules them (runbooks/rains.md): a rain declared
     * before keeps its opening and scenes, and is extended and given the scene. Grabs can name
     * nothing else.
     */
    public static boolean scheduleRains(IssuanceClient client, String activityId, String sceneId,
            int count, Duration rainTime) throws Exception {
        JsonNode declared = client.adminOk("GET", "/admin/activities/" + activityId + "/rains",
                null);
        Instant closesAt = Instant.now().plus(rainTime).plusSeconds(60);
        Instant neededUntil = Instant.now().plus(rainTime).plusSeconds(10);
        boolean changed = false;
        for (int i = 1; i <= count; i++) {
            String rainId = "rain-" + i;
            JsonNode existing = find(declared, rainId);
            Instant opensAt = Instant.now().minusSeconds(5);
            Instant closes = closesAt;
            Map<String, String> scenes = new LinkedHashMap<>();
            if (existing != null) {
                opensAt = Instant.parse(existing.path("opensAt").asText());
                Instant before = Instant.parse(existing.path("closesAt").asText());
                existing.path("awardTypeByScene").fields().forEachRemaining(scene ->
                        scenes.put(scene.getKey(), scene.getValue().asText()));
                if (scenes.containsKey(sceneId) && !before.isBefore(neededUntil)) {
                    continue; // declared already, with the scene, open long enough
                }
                closes = before.isAfter(closesAt) ? before : closesAt;
            }
            scenes.putIfAbsent(sceneId, "CASH");
            List<Map<String, String>> sceneList = new ArrayList<>();
            scenes.forEach((scene, type) -> sceneList.add(Map.of("sceneId", scene, "awardType",
                    type)));
            client.adminOk("PUT", "/admin/activities/" + activityId + "/rains/" + rainId,
                    Map.of("opensAt", opensAt.toString(), "closesAt", closes.toString(),
                            "scenes", sceneList, "reason", "demo: rain " + i + " of " + count));
            changed = true;
        }
        return changed;
    }

    private static JsonNode find(JsonNode declared, String rainId) {
        for (JsonNode rain : declared) {
            if (rain.path("rainId").asText().equals(rainId)) {
                return rain;
            }
        }
        return null;
    }

    /** The audited stage switch. */
    public static void switchStage(IssuanceClient client, String activityId, String stage)
            throws Exception {
        client.adminOk("POST", "/admin/activities/" + activityId + "/live-stage", Map.of(
                "stage", stage, "reason", "demo: rain moves to " + stage));
    }

    /** Waits until every instance's catalog shows the activity at {@code stage}. */
    public static void awaitStage(IssuanceClient client, String activityId, String stage,
            Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode budgets = client.adminOk("GET", "/admin/activities/" + activityId
                    + "/budgets", null);
            if (stage.equals(budgets.path("liveStage").asText())) {
                return;
            }
            Thread.sleep(100);
        }
        throw new StackException(activityId + " did not reach stage " + stage);
    }
}
