package dev.redrain.core.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.testsupport.RedisExtension;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisKeysITCase {
    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @Test
    void aScanForOneBusinessDateFindsExactlyThatDaysTokens() {
        RedisKeys keys = new RedisKeys(REDIS.namespace());
        List<String> today = new ArrayList<>();
        for (int user = 0; user < 50; user++) {
            String todayKey = keys.token("A" + user, "20261125203015123" + String.format("%03d", user)
                    + "7K2M9QX4TB");
            today.add(todayKey);
            REDIS.commands().hset(todayKey, "status", "ISSUED");
            REDIS.commands().hset(keys.token("A" + user, "20261126000000001000" + "7K2M9QX4TB"),
                    "status", "ISSUED");
            REDIS.commands().hset(keys.pending("A" + user), "x", "1");
        }
        List<String> found = new ArrayList<>();
        ScanArgs match = ScanArgs.Builder.matches(keys.tokensOfDatePattern(LocalDate.of(2026, 11, 25)))
                .limit(7);
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = REDIS.commands().scan(cursor, match);
            found.addAll(page.getKeys());
            cursor = page;
        } while (!cursor.isFinished());
        assertThat(found).containsExactlyInAnyOrderElementsOf(today);
    }
}
