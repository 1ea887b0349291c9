package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.keys.RedisKeys;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A template's per-user caps bound what one user takes however many rains they grab, however
 * many at once, and across a Redis rebuild. A user at a cap is treated like an exhausted budget:
 * the grab falls back along the chain, and its answer stays the same on every repeat.
 */
class UserCapsITCase extends IssuanceTestBase {
    private static final String[] RAINS = IntStream.rangeClosed(1, 40).mapToObj(i -> "uc-" + i)
            .toArray(String[]::new);
    private static boolean seeded;

    @BeforeEach
    void seed() {
        if (!seeded) {
            fixtures().festival("ucf", Stage.FORMAL, 0)
                    .fixed("ucf-coupon", "ucf-formal", "COUPON", "CPN", 1, 1_000, 1, null)
                    .fixed("ucf-cash", "ucf-formal", "CASH", "CNY", 10, 10_000, 2, "ucf-coupon")
                    .caps("ucf-cash", 3, null, null, null)
                    .rains("ucf", "CASH", RAINS);
            fixtures().festival("ucc", Stage.FORMAL, 0)
                    .fixed("ucc-cash", "ucc-formal", "CASH", "CNY", 10, 10_000, 4, null)
                    .caps("ucc-cash", null, null, 2, null)
                    .rains("ucc", "CASH", RAINS);
            fixtures().festival("uca", Stage.FORMAL, 0)
                    .uniform("uca-cash", "uca-formal", 10, 50, 100_000, 2)
                    .caps("uca-cash", null, 100L, null, null)
                    .rains("uca", "CASH", RAINS);
            fixtures().festival("ucr", Stage.FORMAL, 0)
                    .fixed("ucr-cash", "ucr-formal", "CASH", "CNY", 10, 10_000, 1, null)
                    .caps("ucr-cash", null, 20L, null, null)
                    .rains("ucr", "CASH", RAINS);
            fixtures().festival("ucx", Stage.FORMAL, 0).load();
            seeded = true;
        }
    }

    @Test
    void aUserAtTheCapFallsBackAndRepeatsGetTheSameAnswer() throws Exception {
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            outcomes.add(ok(grab("ucf", "capped", RAINS[i])).get("outcome").asText());
        }
        assertThat(outcomes).containsExactly("AWARDED", "AWARDED", "AWARDED", "FALLBACK",
                "FALLBACK");
        JsonNode repeat = ok(grab("ucf", "capped", RAINS[3]));
        assertThat(repeat.get("outcome").asText()).isEqualTo("FALLBACK");
        assertThat(repeat.get("award").get("type").asText()).isEqualTo("COUPON");
        JsonNode first = ok(grab("ucf", "capped", RAINS[0]));
        assertThat(first.get("outcome").asText()).isEqualTo("AWARDED");
        // Another user has their own allowance; the cash budget paid exactly three awards.
        assertThat(ok(grab("ucf", "other", RAINS[4])).get("outcome").asText())
                .isEqualTo("AWARDED");
        assertThat(granted("ucf-cash", 2)).isEqualTo(40);
    }

    @Test
    void concurrentGrabsOfOneUserNeverPassTheCap() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<CompletableFuture<JsonNode>> grabs = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                String rain = RAINS[i];
                grabs.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return ok(grab("ucc", "racer", rain));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, pool));
            }
            long awarded = grabs.stream().map(CompletableFuture::join)
                    .filter(answer -> answer.get("outcome").asText().equals("AWARDED")).count();
            assertThat(awarded).as("the daily cap of 2").isEqualTo(2);
        } finally {
            pool.shutdownNow();
        }
        // Reservations of the capped commits went back: the budget paid two awards.
        assertThat(granted("ucc-cash", 4)).isEqualTo(20);
        RedisKeys keys = new RedisKeys(REDIS.namespace());
        assertThat(REDIS.commands().hget(keys.userCaps(actId("ucc", "racer")), "ucc-cash|n"))
                .isEqualTo("2");
    }

    @Test
    void anAmountCapHoldsToTheFenWhateverTheDraws() throws Exception {
        long total = 0;
        int empty = 0;
        for (int i = 0; i < 30; i++) {
            JsonNode answer = ok(grab("uca", "amounts", RAINS[i]));
            if (answer.get("award").isNull()) {
                empty++;
            } else {
                total += answer.get("award").get("amountMinor").asLong();
            }
        }
        assertThat(total).isBetween(51L, 100L);
        assertThat(empty).as("grabs refused by the cap while the budget lasts").isPositive();
    }

    @Test
    void aRebuildRestoresTheCountsSoNobodyGetsASecondAllowance() throws Exception {
        assertThat(ok(grab("ucr", "rebuilt", RAINS[0])).get("outcome").asText())
                .isEqualTo("AWARDED");
        assertThat(ok(grab("ucr", "rebuilt", RAINS[1])).get("outcome").asText())
                .isEqualTo("AWARDED");
        assertThat(ok(grab("ucr", "rebuilt", RAINS[2])).get("outcome").asText())
                .isEqualTo("EMPTY");
        Thread.sleep(1_500); // let the events reach Kafka
        REDIS.deleteNamespace();
        Thread.sleep(500); // a new nonce epoch; requests signed before it are refused
        HttpResponse<String> rebuilt = admin(OPERATOR_TOKEN, "POST", "/admin/budgets/rebuild",
                "{\"reason\":\"redis restarted empty\"}");
        assertThat(rebuilt.statusCode()).as(rebuilt.body()).isEqualTo(200);
        assertThat(ok(grab("ucr", "rebuilt", RAINS[3])).get("outcome").asText())
                .as("still at the 20-fen cap after the rebuild").isEqualTo("EMPTY");
        assertThat(ok(grab("ucr", "rebuilt", RAINS[0])).get("outcome").asText())
                .isEqualTo("AWARDED");
        assertThat(ok(grab("ucr", "fresh", RAINS[3])).get("outcome").asText())
                .isEqualTo("AWARDED");
    }

    @Test
    void capsAreSetWhenATemplateIsCreatedAndCannotBeAddedLater() throws Exception {
        HttpResponse<String> created = admin(OPERATOR_TOKEN, "POST",
                "/admin/activities/ucx/templates", "{\"templateId\":\"ucx-api\",\"stage\":"
                        + "\"FORMAL\",\"awardType\":\"CASH\",\"amountRule\":\"FIXED\","
                        + "\"fixedAmountMinor\":5,\"budgetMinor\":500,\"userCaps\":{\"count\":"
                        + "4,\"dailyAmountMinor\":15},\"reason\":\"capped\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        assertThat(jdbc.queryForMap("SELECT user_cap_count, user_cap_minor,"
                + " user_daily_cap_count, user_daily_cap_minor FROM reward_template WHERE"
                + " template_id = 'ucx-api'").values()).containsExactly(4, null, null, 15L);
        HttpResponse<String> changed = admin(OPERATOR_TOKEN, "PATCH", "/admin/templates/ucx-api",
                "{\"userCaps\":{\"count\":2},\"reason\":\"tighter\"}");
        assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
        assertThat(jdbc.queryForObject("SELECT user_daily_cap_minor FROM reward_template WHERE"
                + " template_id = 'ucx-api'", Long.class)).isNull();

        HttpResponse<String> added = admin(OPERATOR_TOKEN, "PATCH",
                "/admin/templates/ucf-coupon", "{\"userCaps\":{\"count\":2},\"reason\":\"x\"}");
        assertThat(added.statusCode()).as(added.body()).isEqualTo(409);
        assertThat(added.body()).contains("created without user caps");
        HttpResponse<String> negative = admin(OPERATOR_TOKEN, "PATCH",
                "/admin/templates/ucx-api", "{\"userCaps\":{\"count\":0},\"reason\":\"x\"}");
        assertThat(negative.statusCode()).isEqualTo(400);
        assertThat(negative.body()).contains("userCaps.count");
        assertThat(jdbc.queryForObject("SELECT user_cap_count FROM reward_template WHERE"
                + " template_id = 'ucx-api'", Integer.class)).isEqualTo(2);
    }

    private long granted(String templateId, int shards) {
        RedisKeys keys = new RedisKeys(REDIS.namespace());
        long granted = 0;
        for (int shard = 0; shard < shards; shard++) {
            String remaining = REDIS.commands().get(keys.budgetRemaining(templateId, shard));
            granted -= remaining == null ? 0 : Long.parseLong(remaining);
        }
        long budget = jdbc.queryForObject("SELECT budget_minor FROM reward_template WHERE"
                + " template_id = ?", Long.class, templateId);
        return budget + granted;
    }

    private String actId(String activity, String userId) throws Exception {
        return ok(grab(activity, userId, RAINS[0])).get("actId").asText();
    }

    private HttpResponse<String> grab(String activity, String userId, String rainId) {
        return client().post("/v1/grab", SignedClient.grabJson(APP, userId, activity,
                Fixtures.SCENE, rainId));
    }
}
