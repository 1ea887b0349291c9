package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.keys.RedisKeys;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * Redis loses one budget shard while its epoch key survives (a failover to a lagging
 * replica, an eviction). Before, the next template PATCH or instance restart reloaded the
 * shard at its full share and the template granted more than its budget. Now the shard is
 * never reloaded in full: its template is DEGRADED (503 while the others serve) until the
 * rebuild restores the shard from the durable record, and the budget pays each fen once.
 */
@TestPropertySource(properties = {"redrain.grab-claim-ttl=1s", "redrain.grab.record-deadline=1s"})
class PartialLossITCase extends IssuanceTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SHARDS = 4;

    @Test
    void aLostShardIsNeverReloadedInFullAndItsTemplateWaitsForItsRebuild() throws Exception {
        fixtures().festival("pl", Stage.FORMAL, 0)
                .fixed("pl-cash", "pl-formal", "CASH", "CNY", 10, 1_000, SHARDS, null)
                .rains("pl", "CASH");
        fixtures().festival("plok", Stage.FORMAL, 0)
                .fixed("plok-cash", "plok-formal", "CASH", "CNY", 10, 1_000, 1, null)
                .rains("plok", "CASH").load();
        int awards = 0;
        for (int i = 0; i < 20; i++) {
            awards += awarded(grab("pl", "before-" + i)) ? 1 : 0;
        }
        assertThat(awards).isEqualTo(20);
        RedisKeys keys = new RedisKeys(REDIS.namespace());
        REDIS.commands().del(keys.budgetRemaining("pl-cash", 0), keys.budgetGranted("pl-cash", 0));
        assertThat(REDIS.commands().get(keys.budgetEpoch())).as("the epoch survives").isNotNull();

        // An instance restart (its guard has loaded nothing yet) and a template PATCH (a new
        // version) both look at the template's shards again.
        guard.shardMissing("pl-cash");
        HttpResponse<String> patched = admin(OPERATOR_TOKEN, "PATCH", "/admin/templates/pl-cash",
                "{\"alertThresholdsPct\":[50,90],\"reason\":\"new thresholds\"}");
        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
        Thread.sleep(1_500); // the next budget checks run
        assertThat(REDIS.commands().get(keys.budgetRemaining("pl-cash", 0)))
                .as("never reloaded at its full share").isNull();
        assertThat(guard.degradedTemplates()).containsExactly("pl-cash");
        expect(grab("pl", "during"), 503, "BUDGET_UNAVAILABLE");
        assertThat(awarded(grab("plok", "elsewhere"))).as("other templates serve").isTrue();
        assertThat(jdbc.queryForObject("SELECT state FROM budget_shard_load WHERE template_id ="
                + " 'pl-cash' AND shard = 0", String.class)).isEqualTo("LOST");

        HttpResponse<String> rebuilt = admin(OPERATOR_TOKEN, "POST", "/admin/budgets/rebuild",
                "{\"reason\":\"shard 0 of pl-cash lost\"}");
        assertThat(rebuilt.statusCode()).as(rebuilt.body()).isEqualTo(200);
        assertThat(guard.degradedTemplates()).isEmpty();
        long remaining = 0;
        for (int shard = 0; shard < SHARDS; shard++) {
            remaining += Long.parseLong(REDIS.commands().get(keys.budgetRemaining("pl-cash",
                    shard)));
        }
        assertThat(remaining).as("the budget minus the 20 recorded awards").isEqualTo(800);
        for (int i = 0; i < 120; i++) {
            awards += awarded(grab("pl", "after-" + i)) ? 1 : 0;
        }
        assertThat(awards * 10).as("the budget, each fen once").isEqualTo(1_000);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM admin_audit WHERE action ="
                + " 'REDIS_RESTORE_LOST'", Long.class)).isEqualTo(1);
    }

    private HttpResponse<String> grab(String activity, String userId) {
        return client().post("/v1/grab", SignedClient.grabJson(APP, userId, activity, "scene-1",
                "rain-1"));
    }

    private static boolean awarded(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body()).get("outcome").asText().equals("AWARDED");
    }
}
