package dev.redrain.issuance.grab;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.issuance.IssuanceTestBase;
import dev.redrain.issuance.SignedClient;
import dev.redrain.issuance.events.OutboxRelay;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The rebuild reads the outbox and the topic while the relay moves rows from one to the other.
 * Here the relay drains the whole outbox exactly between the rebuild's two reads: each grant
 * must still be seen once (read in the outbox, or on the topic), never in neither.
 */
class RebuildRelayRaceITCase extends IssuanceTestBase {

    @Autowired
    RedisRebuilder rebuilder;
    @Autowired
    OutboxRelay relay;

    @Test
    void aRowTheRelayPublishesBetweenTheReadsIsRestoredOnce() throws Exception {
        fixtures().festival("rr", Stage.FORMAL, 0)
                .fixed("rr-cash", "rr-formal", "CASH", "CNY", 10, 1_000, 1, null)
                .rains("rr", "CASH").load();
        List<JsonNode> held = new ArrayList<>();
        try (Connection lock = jdbc.getDataSource().getConnection()) {
            // Holding the relay's lock keeps every relay off, so the rows stay unpublished.
            assertThat(relayLock(lock, "SELECT GET_LOCK(?, 10)")).isTrue();
            switchOutboxOnly(true);
            try {
                for (int i = 0; i < 20; i++) {
                    held.add(ok(client().post("/v1/grab", SignedClient.grabJson(APP, "race-" + i,
                            "rr", "scene-1", "rain-1"))));
                }
            } finally {
                switchOutboxOnly(false);
            }
            assertThat(relay.depth()).isEqualTo(20);
            REDIS.deleteNamespace();
            Thread.sleep(500); // a new nonce epoch; requests signed before it are refused
            rebuilder.betweenReads = () -> {
                try {
                    relayLock(lock, "SELECT RELEASE_LOCK(?)");
                    while (relay.depth() > 0) {
                        relay.drainBatch();
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            try {
                RedisRebuilder.Result result = rebuilder.rebuild().orElseThrow();
                assertThat(result.events()).as("every grant, once").isEqualTo(20);
                assertThat(result.grantedMinor()).isEqualTo(200);
            } finally {
                rebuilder.betweenReads = () -> { };
            }
        }
        RedisKeys keys = new RedisKeys(REDIS.namespace());
        assertThat(REDIS.commands().get(keys.budgetRemaining("rr-cash", 0))).isEqualTo("800");
        for (JsonNode answer : held) {
            assertThat(REDIS.commands().hget(keys.token(answer.get("actId").asText(),
                    answer.get("outTradeNo").asText()), "status")).isEqualTo("ISSUED");
        }
    }
}
