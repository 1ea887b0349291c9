package dev.redrain.issuance.ops;

import dev.redrain.core.keys.RedisKeys;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Degradation switches, shared by every instance through one Redis hash and re-read every
 * 200 ms, so a flip reaches all instances within a second. If Redis cannot be read the last
 * values stay in force.
 *
 * <ul>
 *   <li>{@code scene-closed:<parentActivityId>:<sceneId>}: grabs in the scene are refused;</li>
 *   <li>{@code fallback-only:<parentActivityId>}: grabs skip the entry template and start at its
 *       first fallback (cash off, coupons on);</li>
 *   <li>{@code outbox-only}: events go to the MySQL outbox, not to Kafka;</li>
 *   <li>{@code wallet-read-only}: withdrawals are refused, balances still answer.</li>
 * </ul>
 */
@Component
public class Switches {
    public static final String OUTBOX_ONLY = "outbox-only";
    public static final String WALLET_READ_ONLY = "wallet-read-only";
    private static final Logger LOG = LoggerFactory.getLogger(Switches.class);

    private final StatefulRedisConnection<String, String> redis;
    private final RedisKeys keys;
    private volatile Map<String, String> values = Map.of();

    Switches(StatefulRedisConnection<String, String> redis, RedisKeys keys) {
        this.redis = redis;
        this.keys = keys;
        refresh();
    }

    public static String sceneClosed(String parentActivityId, String sceneId) {
        return "scene-closed:" + parentActivityId + ":" + sceneId;
    }

    public static String fallbackOnly(String parentActivityId) {
        return "fallback-only:" + parentActivityId;
    }

    public boolean isOn(String name) {
        return "on".equals(values.get(name));
    }

    public Map<String, String> all() {
        return values;
    }

    /** Sets a switch for every instance; this one sees it at once. */
    public void set(String name, boolean on) {
        if (on) {
            redis.sync().hset(keys.switches(), name, "on");
        } else {
            redis.sync().hdel(keys.switches(), name);
        }
        refresh();
    }

    @Scheduled(fixedDelay = 200)
    void scheduledRefresh() {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.warn("switches not refreshed, keeping the last values: {}", e.toString());
        }
    }

    void refresh() {
        values = Map.copyOf(redis.sync().hgetall(keys.switches()));
    }
}
