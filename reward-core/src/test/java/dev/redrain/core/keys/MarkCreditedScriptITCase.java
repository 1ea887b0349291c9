package dev.redrain.core.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.testsupport.RedisExtension;
import io.lettuce.core.ScriptOutputType;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link TokenHash#MARK_CREDITED_SCRIPT} against a real Redis: the issuer's hash keeps its fields
 * and TTL, a lost hash is rebuilt from the given fields with the given TTL, the token leaves the
 * owner's pending set, and running it again changes nothing.
 */
class MarkCreditedScriptITCase {
    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private final RedisKeys keys = new RedisKeys(REDIS.namespace());

    @Test
    void theIssuersHashKeepsItsFieldsAndTtl() {
        String token = keys.token("A1", "20261126120000000001K2M9QX4TB1");
        String pending = keys.pending("A1");
        REDIS.commands().hset(token, Map.of(TokenHash.STATUS, "ISSUED", TokenHash.AMOUNT_MINOR,
                "188", TokenHash.CURRENCY, "CNY", TokenHash.APP_ID, "douyin"));
        REDIS.commands().expire(token, 1_000);
        REDIS.commands().hset(pending, "20261126120000000001K2M9QX4TB1", "188:CNY");
        REDIS.commands().hset(pending, "other", "5:CNY");

        mark(token, pending, "20261126120000000001K2M9QX4TB1", "999");
        mark(token, pending, "20261126120000000001K2M9QX4TB1", "999");

        Map<String, String> hash = REDIS.commands().hgetall(token);
        assertThat(hash).containsEntry(TokenHash.STATUS, "CREDITED")
                .containsEntry(TokenHash.JOURNAL_ID, "42")
                .containsEntry(TokenHash.CREDITED_BY, "STREAM")
                .containsEntry(TokenHash.AMOUNT_MINOR, "188") // not the given 999
                .containsEntry(TokenHash.APP_ID, "douyin")
                .doesNotContainKey(TokenHash.ISSUED_AT_MS); // given, but the hash was there
        assertThat(REDIS.commands().ttl(token)).isBetween(990L, 1_000L);
        assertThat(REDIS.commands().hgetall(pending)).containsOnlyKeys("other");
    }

    @Test
    void aLostHashIsRebuiltFromTheGivenFields() {
        String token = keys.token("A2", "20261126120000000002K2M9QX4TB2");
        String pending = keys.pending("A2");

        mark(token, pending, "20261126120000000002K2M9QX4TB2", "250");
        mark(token, pending, "20261126120000000002K2M9QX4TB2", "250");

        assertThat(REDIS.commands().hgetall(token)).containsEntry(TokenHash.STATUS, "CREDITED")
                .containsEntry(TokenHash.AMOUNT_MINOR, "250")
                .containsEntry(TokenHash.ISSUED_AT_MS, "1764158400000")
                .containsEntry(TokenHash.OUT_TRADE_NO, "20261126120000000002K2M9QX4TB2");
        assertThat(REDIS.commands().ttl(token)).isBetween(3_500L, 3_600L);
    }

    private static void mark(String token, String pending, String outTradeNo, String amount) {
        Long result = REDIS.commands().eval(TokenHash.MARK_CREDITED_SCRIPT,
                ScriptOutputType.INTEGER, new String[] {token, pending}, outTradeNo, "42",
                "1764158460000", "STREAM", "3600", TokenHash.OUT_TRADE_NO, outTradeNo,
                TokenHash.AMOUNT_MINOR, amount, TokenHash.ISSUED_AT_MS, "1764158400000");
        assertThat(result).isEqualTo(1L);
    }
}
