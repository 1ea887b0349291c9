package dev.redrain.issuance.grab;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redrain.core.activity.Stage;
import dev.redrain.issuance.IssuanceTestBase;
import dev.redrain.issuance.SignedClient;
import java.net.http.HttpResponse;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A rebuild on-call can wait for: it runs in the background, reports its phase and progress,
 * is joined (not run twice) by a second call, and is never left owned by nobody: a run whose
 * instance died is abandoned by the next call, and a failed run is answered 503 and finished by
 * the next call.
 */
class RebuildProgressITCase extends IssuanceTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int GRANTS = 30;

    @Autowired
    RedisRebuilder rebuilder;

    @BeforeEach
    void grantsThenRedisLost() throws Exception {
        if (catalog.current().templates().get("rp-cash") == null) {
            fixtures().festival("rp", Stage.FORMAL, 0)
                    .fixed("rp-cash", "rp-formal", "CASH", "CNY", 10, 100_000, 2, null)
                    .rains("rp", "CASH").load();
            for (int i = 0; i < GRANTS; i++) {
                ok(client().post("/v1/grab", SignedClient.grabJson(APP, "rp-" + i, "rp",
                        "scene-1", "rain-1")));
            }
            Thread.sleep(1_500); // the events reach Kafka
        }
        REDIS.deleteNamespace();
        Thread.sleep(500); // a new nonce epoch; requests signed before it are refused
    }

    @AfterEach
    void clearSeam() {
        rebuilder.betweenReads = () -> { };
    }

    @Test
    void aRebuildReportsItsProgressAndASecondCallJoinsIt() throws Exception {
        CountDownLatch reading = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        rebuilder.betweenReads = () -> {
            reading.countDown();
            await(goOn);
        };
        HttpResponse<String> started = rebuild(0);
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        long id = JSON.readTree(started.body()).get("rebuildId").asLong();
        assertThat(started.headers().firstValue("Location"))
                .hasValue("/admin/budgets/rebuilds/" + id);
        assertThat(reading.await(10, TimeUnit.SECONDS)).isTrue();

        HttpResponse<String> joined = rebuild(0);
        assertThat(joined.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(joined.body()).get("rebuildId").asLong())
                .as("the second call joins the running rebuild").isEqualTo(id);
        Thread.sleep(2 * RebuildRunner.HEARTBEAT.toMillis() + 200);
        JsonNode running = run("/admin/budgets/rebuilds/" + id);
        assertThat(running.get("status").asText()).isEqualTo("RUNNING");
        assertThat(running.get("phase").asText()).isEqualTo("READING");

        goOn.countDown();
        JsonNode done = ok(rebuildUntilDone(id));
        assertThat(done.get("rebuildId").asLong()).isEqualTo(id);
        assertThat(done.get("phase").asText()).isEqualTo("FINISHED");
        assertThat(done.get("events").asInt()).isEqualTo(GRANTS);
        assertThat(done.get("recordsRead").asLong()).isGreaterThanOrEqualTo(GRANTS)
                .isEqualTo(done.get("recordsTotal").asLong());
        assertThat(done.get("answersRestored").asLong()).isEqualTo(GRANTS)
                .isEqualTo(done.get("answersTotal").asLong());
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM budget_rebuild WHERE rebuild_id"
                + " >= ?", Integer.class, id)).as("one rebuild ran").isEqualTo(1);
        assertThat(run("/admin/budgets/rebuilds/latest").get("rebuildId").asLong())
                .isEqualTo(id);
    }

    @Test
    void aRebuildWhoseInstanceDiedIsAbandonedAndTheNextCallRunsAnother() throws Exception {
        jdbc.update("INSERT INTO budget_rebuild (redis_namespace, kind, status, phase, instance,"
                + " reason, heartbeat_at) VALUES (?, 'FULL', 'RUNNING', 'READING', 'dead/1',"
                + " 'killed with its instance', CURRENT_TIMESTAMP(3) - INTERVAL 1 MINUTE)",
                REDIS.namespace());
        long dead = jdbc.queryForObject("SELECT LAST_INSERT_ID()", Long.class);

        JsonNode done = ok(rebuild(30));
        assertThat(done.get("rebuildId").asLong()).isGreaterThan(dead);
        assertThat(done.get("status").asText()).isEqualTo("DONE");
        assertThat(done.get("events").asInt()).isEqualTo(GRANTS);
        JsonNode abandoned = run("/admin/budgets/rebuilds/" + dead);
        assertThat(abandoned.get("status").asText()).isEqualTo("ABANDONED");
        assertThat(abandoned.get("error").asText()).contains("stopped reporting");
    }

    @Test
    void aFailedRebuildIsAnswered503AndTheNextCallFinishesIt() throws Exception {
        rebuilder.betweenReads = () -> {
            throw new IllegalStateException("the topic could not be read");
        };
        HttpResponse<String> failed = rebuild(30);
        expect(failed, 503, "REBUILD_FAILED");
        assertThat(failed.body()).contains("the topic could not be read");
        JsonNode latest = run("/admin/budgets/rebuilds/latest");
        assertThat(latest.get("status").asText()).isEqualTo("FAILED");
        assertThat(guard.state().name()).as("grabs stay refused").isNotEqualTo("LIVE");

        rebuilder.betweenReads = () -> { };
        JsonNode done = ok(rebuild(30));
        assertThat(done.get("events").asInt()).isEqualTo(GRANTS);
        expect(rebuild(0), 409, "BUDGETS_LIVE");
        expect(admin(OPERATOR_TOKEN, "GET", "/admin/budgets/rebuilds/999999", null), 404,
                "UNKNOWN_REBUILD");
        expect(admin(OPERATOR_TOKEN, "POST", "/admin/budgets/rebuild",
                "{\"reason\":\"too long a wait\",\"waitSeconds\":61}"), 400, "INVALID_FIELD");
    }

    private HttpResponse<String> rebuild(int waitSeconds) throws Exception {
        return admin(OPERATOR_TOKEN, "POST", "/admin/budgets/rebuild",
                "{\"reason\":\"redis restarted empty\",\"waitSeconds\":" + waitSeconds + "}");
    }

    /** Follows the rebuild until it is DONE, as on-call would. */
    private HttpResponse<String> rebuildUntilDone(long id) throws Exception {
        HttpResponse<String> response = null;
        for (int i = 0; i < 100; i++) {
            response = admin(VIEWER_TOKEN, "GET", "/admin/budgets/rebuilds/" + id, null);
            if (!response.body().contains("\"RUNNING\"")) {
                return response;
            }
            Thread.sleep(100);
        }
        return response;
    }

    private JsonNode run(String path) throws Exception {
        return ok(admin(VIEWER_TOKEN, "GET", path, null));
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(20, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
