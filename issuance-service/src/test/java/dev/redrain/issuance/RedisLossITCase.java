package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.core.ledger.CreditRequest;
import dev.redrain.core.ledger.CreditSource;
import dev.redrain.core.ledger.LedgerWriter;
import dev.redrain.core.money.Money;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Redis comes back empty in the middle of a rain: grabs are refused (503) instead of the
 * budgets starting over, an operator rebuilds from the durable record, and afterwards the
 * same grab gets the same award, pending tokens show again, and the budget is spent exactly
 * once in total.
 */
class RedisLossITCase extends IssuanceTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Autowired
    LedgerWriter ledger;

    @Test
    void budgetsAreRebuiltFromTheDurableRecordNeverReset() throws Exception {
        fixtures().festival("loss", Stage.FORMAL, 0)
                .fixed("loss-cash", "loss-formal", "CASH", "CNY", 10, 300, 3, null)
                .rains("loss", "CASH").load();
        fixtures().festival("lpool", Stage.FORMAL, 0).pool("lpool-cash", "lpool-formal", 12,
                500, 2)
                .rains("lpool", "CASH").load();
        List<JsonNode> before = new ArrayList<>();
        java.util.Map<String, Long> poolByUser = new java.util.HashMap<>();
        long pool = 0;
        for (int i = 0; i < 12; i++) {
            before.add(ok(grab("loss", "b" + i, "r1")));
            if (i < 8) {
                JsonNode packet = ok(grab("lpool", "b" + i, "r1"));
                long amount = packet.get("award").get("amountMinor").asLong();
                poolByUser.put("b" + i, amount);
                pool += amount;
            }
        }
        // The credit job booked the first five.
        for (JsonNode answer : before.subList(0, 5)) {
            String outTradeNo = answer.get("outTradeNo").asText();
            ledger.credit(new CreditRequest(outTradeNo, answer.get("actId").asText(),
                    "loss-formal", Stage.FORMAL, "CASH", Money.of(10, "CNY"),
                    OutTradeNoGenerator.businessDate(outTradeNo), CreditSource.STREAM));
        }
        Thread.sleep(1_500); // let the last events reach Kafka

        REDIS.deleteNamespace(); // Redis restarted with nothing
        // The service starts a new nonce epoch within 200 ms; a request signed before that
        // would be refused as a possible replay (NonceLossITCase), so this one is signed after.
        Thread.sleep(500);
        HttpResponse<String> refused = grab("loss", "new-user", "r1");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(refused.body()).get("code").asText())
                .isEqualTo("BUDGET_UNAVAILABLE");
        assertThat(grab("loss", "b0", "r1").statusCode()).isEqualTo(503);
        Thread.sleep(1_500); // the guard's checks run and still do not reload the budgets
        RedisKeys keys = new RedisKeys(REDIS.namespace());
        assertThat(REDIS.commands().get(keys.budgetRemaining("loss-cash", 0))).isNull();

        // Two operators (or a client that timed out and asked again) at once: one rebuild runs,
        // the other joins it (or, coming after, finds nothing left to do).
        java.util.concurrent.CompletableFuture<HttpResponse<String>> second =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return admin(OPERATOR_TOKEN, "POST", "/admin/budgets/rebuild",
                                "{\"reason\":\"redis restarted empty (second call)\"}");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
        HttpResponse<String> first = admin(OPERATOR_TOKEN, "POST", "/admin/budgets/rebuild",
                "{\"reason\":\"redis restarted empty\"}");
        List<HttpResponse<String>> calls = List.of(first, second.get());
        HttpResponse<String> rebuilt = calls.stream().filter(call -> call.statusCode() == 200)
                .findFirst().orElseThrow(() -> new AssertionError("no rebuild answered 200: "
                        + first.body() + " / " + calls.get(1).body()));
        assertThat(calls).as("each call got the one rebuild, or found it done").allSatisfy(
                call -> assertThat(call.statusCode() == 200 || call.statusCode() == 409
                        && call.body().contains("BUDGETS_LIVE")).as(call.body()).isTrue());
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM budget_rebuild", Integer.class))
                .as("one rebuild ran").isEqualTo(1);
        JsonNode run = JSON.readTree(rebuilt.body());
        assertThat(run.get("status").asText()).isEqualTo("DONE");
        assertThat(run.get("events").asInt()).isEqualTo(20);
        assertThat(run.get("answersRestored").asLong()).isEqualTo(run.get("answersTotal")
                .asLong());
        expect(admin(OPERATOR_TOKEN, "POST", "/admin/budgets/rebuild",
                "{\"reason\":\"again\"}"), 409, "BUDGETS_LIVE");

        // The same grab gets the same award back.
        JsonNode again = ok(grab("loss", "b7", "r1"));
        assertThat(again.get("outTradeNo").asText()).isEqualTo(before.get(7).get("outTradeNo")
                .asText());
        // Pending shows again for the uncredited tokens, not for the credited ones.
        String b7 = again.get("actId").asText();
        assertThat(ok(client().get("/v1/wallet/" + b7)).get("pendingMinor").asLong())
                .isEqualTo(10 + poolByUser.get("b7"));
        String b0 = before.get(0).get("actId").asText();
        assertThat(ok(client().get("/v1/wallet/" + b0)).get("pendingMinor").asLong())
                .isEqualTo(poolByUser.get("b0"));

        // The rest of the budgets, and not a fen more, go to new grabs.
        long cash = 12 * 10;
        int poolAwards = 8;
        for (int i = 0; i < 30; i++) {
            JsonNode answer = ok(grab("loss", "n" + i, "r1"));
            if (!answer.get("award").isNull()) {
                cash += answer.get("award").get("amountMinor").asLong();
            }
            JsonNode packet = ok(grab("lpool", "n" + i, "r1"));
            if (!packet.get("award").isNull()) {
                pool += packet.get("award").get("amountMinor").asLong();
                poolAwards++;
            }
        }
        assertThat(cash).isEqualTo(300);
        assertThat(poolAwards).isEqualTo(12); // the 4 packets left, each once
        assertThat(pool).isEqualTo(500);
    }

    private HttpResponse<String> grab(String activity, String userId, String rainId) {
        return client().post("/v1/grab", SignedClient.grabJson(APP, userId, activity, "scene-1",
                rainId));
    }
}
