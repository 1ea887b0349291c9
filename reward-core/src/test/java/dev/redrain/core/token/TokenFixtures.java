package dev.redrain.core.token;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.money.Money;
import java.time.Instant;
import java.util.Map;
import java.util.Random;

/** Named fixtures for token tests. */
final class TokenFixtures {
    static final Instant OPEN_TIME = Instant.parse("2026-11-25T12:30:15.123Z");

    private TokenFixtures() {
    }

    static RedPacketToken cashToken(String actId, String outTradeNo) {
        return new RedPacketToken("douyin", actId, "spring-2027-formal", "scene-1", "rain-42",
                "CASH", Stage.FORMAL, Money.of(888, "CNY"), outTradeNo, OPEN_TIME,
                TokenStatus.ISSUED);
    }

    static byte[] key(long seed) {
        byte[] key = new byte[TokenKeyRing.KEY_LENGTH_BYTES];
        new Random(seed).nextBytes(key);
        return key;
    }

    static TokenKeyRing ring(String activeKeyId, String... keyIds) {
        Map<String, byte[]> keys = new java.util.LinkedHashMap<>();
        for (String id : keyIds) {
            keys.put(id, key(id.hashCode()));
        }
        return TokenKeyRing.of(keys, activeKeyId);
    }
}
