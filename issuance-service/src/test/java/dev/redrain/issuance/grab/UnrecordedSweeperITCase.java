package dev.redrain.issuance.grab;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.issuance.IssuanceTestBase;
import dev.redrain.issuance.SignedClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * A grab committed in Redis whose instance died before it recorded the event, and whose client
 * never came back: the sweeper records it from its mark. The chaos suite's one flake (a grant
 * in Redis that the ledger never saw) is this case. And a mark planted in Redis, or damaged,
 * is refused: the sweeper publishes only this service's proven record of the key's answer.
 *
 * <p>Every event goes to the outbox (switch outbox-only) and the test holds the relay's lock,
 * so what was recorded is exactly the outbox's rows.
 */
@TestPropertySource(properties = {"redrain.grab.record-deadline=200ms",
        // Only the test sweeps: each sweep is a call it makes.
        "redrain.grab.unrecorded-sweep-interval=1h"})
class UnrecordedSweeperITCase extends IssuanceTestBase {
    /** The record deadline (200 ms) and the sweeper's 2 s margin, and some. */
    private static final long SETTLE_MS = 2_600;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Autowired
    GrabService grabs;
    @Autowired
    UnrecordedSweeper sweeper;
    @Autowired
    MeterRegistry meters;

    private Connection relayLock;
    private RedisKeys keys;

    @BeforeEach
    void holdTheRelay() throws Exception {
        relayLock = jdbc.getDataSource().getConnection();
        assertThat(relayLock(relayLock, "SELECT GET_LOCK(?, 10)")).isTrue();
        keys = new RedisKeys(REDIS.namespace());
        switchOutboxOnly(true);
    }

    @AfterEach
    void releaseTheRelay() throws Exception {
        grabs.afterCommit = () -> { };
        switchOutboxOnly(false);
        relayLock(relayLock, "SELECT RELEASE_LOCK(?)");
        relayLock.close();
    }

    @Test
    void aGrantWhoseInstanceDiedBeforeItsRecordIsRecordedByTheSweeper() throws Exception {
        fixtures().festival("sw", Stage.FORMAL, 0)
                .fixed("sw-cash", "sw-formal", "CASH", "CNY", 10, 1_000, 1, null)
                .rains("sw", "CASH").load();
        HttpResponse<String> died = grabWhoseInstanceDies("orphan");
        assertThat(died.statusCode()).as("the client never got an answer").isEqualTo(500);
        List<String> marks = marks();
        assertThat(marks).hasSize(1);
        String outTradeNo = JSON.readTree(REDIS.commands().get(marks.get(0)))
                .get("outTradeNo").asText();
        assertThat(outboxEventIds()).as("nothing recorded the grant").isEmpty();

        assertThat(sweeper.sweep()).as("a mark younger than the deadline is its request's")
                .isZero();
        Thread.sleep(SETTLE_MS);
        assertThat(sweeper.sweep()).isEqualTo(1);

        assertThat(outboxEventIds()).containsExactly("issued-" + outTradeNo);
        awaitMarksGone();
        JsonNode retried = ok(grab("orphan"));
        assertThat(retried.get("outTradeNo").asText()).as("the key's one answer")
                .isEqualTo(outTradeNo);
        assertThat(outboxEventIds()).as("recorded once").hasSize(1);
        assertThat(sweeper.sweep()).isZero();
    }

    @Test
    void aPlantedOrDamagedMarkIsRefusedAndPublishesNothing() throws Exception {
        fixtures().festival("pl", Stage.FORMAL, 0)
                .fixed("pl-cash", "pl-formal", "CASH", "CNY", 10, 1_000, 1, null)
                .rains("pl", "CASH").load();
        grabWhoseInstanceDies("victim");
        String realMark = marks().get(0);
        ObjectNode real = (ObjectNode) JSON.readTree(REDIS.commands().get(realMark));
        String actId = real.get("actId").asText();
        // The real grant is recorded first; only the attacker's marks are left.
        Thread.sleep(SETTLE_MS);
        assertThat(sweeper.sweep()).isEqualTo(1);
        awaitMarksGone();
        int recordedBefore = outboxEventIds().size();
        double refusedBefore = meters.counter("redrain.grab.unrecorded.refused").count();

        // 1. A whole forged grant: an answer and a mark for 500.00 CNY, with a copied proof.
        String forgedNo = real.get("outTradeNo").asText().replaceAll(".$", "9");
        ObjectNode forged = real.deepCopy();
        forged.put("outTradeNo", forgedNo).put("eventId", "issued-" + forgedNo)
                .put("amountMinor", 50_000);
        String forgedRecord = "pl:forged-key";
        REDIS.commands().set(keys.grab(actId, forgedRecord), "DONE|" + new GrabAnswer(
                dev.redrain.core.activity.Outcome.AWARDED, "pl-cash", "CASH", 50_000, "CNY",
                forgedNo, null, actId).encode());
        REDIS.commands().set(keys.unrecorded(actId, forgedRecord), forged.toString());
        // 2. A copy of a real grant's mark under a key that has no answer.
        REDIS.commands().set(keys.unrecorded(actId, "pl:no-answer"), real.toString());
        // 3. A mark that does not decode.
        REDIS.commands().set(keys.unrecorded(actId, "pl:garbage"), "{not an event");
        // 4. A real grant's mark filed under another user's key.
        REDIS.commands().set(keys.unrecorded("someone-else", "pl:elsewhere"), real.toString());

        assertThat(sweeper.sweep()).as("nothing recorded").isZero();
        assertThat(outboxEventIds()).hasSize(recordedBefore);
        assertThat(meters.counter("redrain.grab.unrecorded.refused").count() - refusedBefore)
                .isEqualTo(4);
        assertThat(marks()).as("refused marks stay for an operator").hasSize(4);
    }

    /** A grab that commits and then, like an instance killed at that moment, records nothing. */
    private HttpResponse<String> grabWhoseInstanceDies(String userId) {
        grabs.afterCommit = () -> {
            throw new IllegalStateException("the instance dies between commit and record");
        };
        try {
            return grab(userId);
        } finally {
            grabs.afterCommit = () -> { };
        }
    }

    private HttpResponse<String> grab(String userId) {
        String activity = userId.equals("orphan") ? "sw" : "pl";
        return client().post("/v1/grab", SignedClient.grabJson(APP, userId, activity, "scene-1",
                "rain-1"));
    }

    private List<String> marks() {
        return REDIS.commands().keys(keys.unrecordedPattern());
    }

    private void awaitMarksGone() throws InterruptedException {
        // The mark is deleted without waiting once its event is recorded.
        for (int i = 0; i < 100 && !marks().isEmpty(); i++) {
            Thread.sleep(20);
        }
        assertThat(marks()).isEmpty();
    }

    private List<String> outboxEventIds() {
        return jdbc.query("SELECT payload FROM outbox WHERE published_at IS NULL ORDER BY"
                + " outbox_id", (row, n) -> eventId(row.getBytes(1)));
    }

    private static String eventId(byte[] payload) {
        try {
            return JSON.readTree(payload).get("eventId").asText();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
