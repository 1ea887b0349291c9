package dev.redrain.issuance.grab;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.core.activity.Outcome;
import dev.redrain.core.catalog.UserCaps;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.testsupport.RedisExtension;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The commit script's caps on real Redis: a daily cap starts over on the next business day
 * while the activity cap keeps counting, a capped commit writes nothing, and a rebuild's
 * restore raises counters but never lowers them.
 */
class GrabStoreCapsITCase {
    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();
    private static final Duration TTL = Duration.ofHours(1);
    private static final byte[] EVENT = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    private static final LocalDate DAY_1 = LocalDate.of(2026, 2, 1);
    private static final LocalDate DAY_2 = LocalDate.of(2026, 2, 2);
    private static StatefulRedisConnection<String, String> connection;
    private static GrabStore store;
    private static RedisKeys keys;

    @BeforeAll
    static void connect() {
        connection = REDIS.client().connect();
        keys = new RedisKeys(REDIS.namespace());
        store = new GrabStore(connection, keys);
    }

    @AfterAll
    static void close() {
        connection.close();
    }

    @Test
    void aDailyCapStartsOverOnTheNextDayButTheActivityCapDoesNot() {
        UserCaps caps = new UserCaps(3, 0, 2, 0);
        assertThat(commit("u1", "k1", DAY_1, caps, 10)).isInstanceOf(GrabRecords.Committed.class);
        assertThat(commit("u1", "k2", DAY_1, caps, 10)).isInstanceOf(GrabRecords.Committed.class);
        assertThat(commit("u1", "k3", DAY_1, caps, 10)).isInstanceOf(GrabRecords.Capped.class);
        assertThat(commit("u1", "k4", DAY_2, caps, 10)).isInstanceOf(GrabRecords.Committed.class);
        assertThat(commit("u1", "k5", DAY_2, caps, 10)).isInstanceOf(GrabRecords.Capped.class);
        assertThat(REDIS.commands().hgetall(keys.userCaps("u1"))).containsAllEntriesOf(Map.of(
                "t|n", "3", "t|m", "30", "t|20260201|n", "2", "t|20260202|n", "1"));
    }

    @Test
    void aCappedCommitWritesNothingAndKeepsTheClaim() {
        UserCaps caps = new UserCaps(0, 25, 0, 0);
        assertThat(commit("u2", "k1", DAY_1, caps, 20)).isInstanceOf(GrabRecords.Committed.class);
        store.claimAsync("u2", "k2", "claim-k2", TTL).join();
        GrabAnswer answer = answer("u2", "OTN-u2-k2", 10);
        assertThat(store.commit("u2", "k2", "claim-k2", answer, Map.of("status", "ISSUED"),
                new GrabRecords.CapCharge("t", DAY_1, caps, 10), EVENT, TTL))
                .isInstanceOf(GrabRecords.Capped.class);
        assertThat(store.answer("u2", "k2")).isNull();
        assertThat(REDIS.commands().exists(keys.token("u2", "OTN-u2-k2"))).isZero();
        assertThat(REDIS.commands().hget(keys.pending("u2"), "OTN-u2-k2")).isNull();
        assertThat(REDIS.commands().hget(keys.userCaps("u2"), "t|m")).isEqualTo("20");
        // The claim is still this request's: an award that fits commits under it.
        assertThat(store.commit("u2", "k2", "claim-k2", answer("u2", "OTN-u2-k2b", 5),
                Map.of("status", "ISSUED"), new GrabRecords.CapCharge("t", DAY_1, caps, 5), EVENT, TTL))
                .isInstanceOf(GrabRecords.Committed.class);
        assertThat(store.grantedAsync("u2", List.of("t"), DAY_1).join().get("t"))
                .isEqualTo(new UserCaps.Granted(2, 25, 2, 25));
    }

    @Test
    void aRestoreRaisesCountersButNeverLowersThem() {
        UserCaps caps = new UserCaps(10, 0, 0, 0);
        for (int i = 0; i < 4; i++) {
            commit("u3", "k" + i, DAY_1, caps, 10);
        }
        // The record shows two grants (say, two more were still in the outbox): counts stay 4.
        store.restoreCapsAsync("u3", List.of(new GrabRecords.CapCharge("t", DAY_1, caps, 10),
                new GrabRecords.CapCharge("t", DAY_1, caps, 10)), TTL).join();
        assertThat(REDIS.commands().hget(keys.userCaps("u3"), "t|n")).isEqualTo("4");
        store.restoreCapsAsync("u4", List.of(new GrabRecords.CapCharge("t", DAY_1, caps, 10),
                new GrabRecords.CapCharge("t", DAY_2, caps, 7)), TTL).join();
        assertThat(store.grantedAsync("u4", List.of("t"), DAY_2).join().get("t"))
                .isEqualTo(new UserCaps.Granted(2, 17, 1, 7));
    }

    private static GrabRecords.CommitResult commit(String actId, String key, LocalDate day,
            UserCaps caps, long amountMinor) {
        String claimId = "claim-" + key;
        store.claimAsync(actId, key, claimId, TTL).join();
        return store.commit(actId, key, claimId, answer(actId, "OTN-" + actId + "-" + key,
                amountMinor), Map.of("status", "ISSUED"),
                new GrabRecords.CapCharge("t", day, caps, amountMinor), EVENT, TTL);
    }

    private static GrabAnswer answer(String actId, String outTradeNo, long amountMinor) {
        return new GrabAnswer(Outcome.AWARDED, "t", "CASH", amountMinor, "CNY", outTradeNo,
                "sealed", actId);
    }
}
