package dev.redrain.issuance.grab;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.issuance.budget.LuaScript;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Per-user and per-scene grab limits: fixed one-second windows counted in Redis (the user's
 * counter in the user's slot), shared by every instance. Over the limit is 429 with
 * Retry-After. A limit of 0 is no limit.
 */
@Component
class RateLimiter {
    /** KEYS: counter. ARGV: limit, ttl seconds. Returns 1 when within the limit. */
    private static final LuaScript TAKE = new LuaScript("""
            local count = redis.call('INCR', KEYS[1])
            if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
            if count > tonumber(ARGV[1]) then return 0 end
            return 1
            """, ScriptOutputType.INTEGER);

    private final StatefulRedisConnection<String, String> redis;
    private final RedisKeys keys;
    private final Clock clock;
    private final int userPerSecond;
    private final int scenePerSecond;

    RateLimiter(StatefulRedisConnection<String, String> redis, RedisKeys keys, Clock clock,
            @Value("${redrain.rate.user-per-second:5}") int userPerSecond,
            @Value("${redrain.rate.scene-per-second:0}") int scenePerSecond) {
        this.redis = redis;
        this.keys = keys;
        this.clock = clock;
        this.userPerSecond = userPerSecond;
        this.scenePerSecond = scenePerSecond;
    }

    void check(String actId, String activityId, Stage stage, String sceneId) {
        long second = clock.millis() / 1000;
        if (userPerSecond > 0 && !take(keys.userRate(actId, second), userPerSecond)) {
            throw limited("too many grabs from this user");
        }
        if (scenePerSecond > 0 && !take(keys.sceneRate(activityId, stage, sceneId, second),
                scenePerSecond)) {
            throw limited("too many grabs in this scene");
        }
    }

    private boolean take(String key, int limit) {
        Long within = TAKE.run(redis.sync(), new String[] {key}, Integer.toString(limit), "2");
        return within == 1;
    }

    private static ApiException limited(String detail) {
        return new ApiException(HttpStatus.TOO_MANY_REQUESTS, ErrorCode.RATE_LIMITED, detail,
                Duration.ofSeconds(1));
    }
}
