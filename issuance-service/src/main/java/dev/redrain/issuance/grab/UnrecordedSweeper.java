package dev.redrain.issuance.grab;

import dev.redrain.core.event.EventDecodingException;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.issuance.web.ApiException;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Records the grabs Redis holds as answered but marks unrecorded: their instance died between
 * the commit and the record of the event, and their client never retried. Without this, such a
 * grant is known only to Redis and to the client: the ledger never credits it, and a later loss
 * of Redis would grant its budget again.
 *
 * <p>Every instance sweeps. A mark is taken only once it is older than the record deadline plus
 * a margin, so a request still recording its own event is left alone; two sweepers recording
 * the same mark publish one event twice under one event id, a copy every reader ignores. A mark
 * is recorded only through {@link GrabRecorder#recordMarked}, which refuses one that is not this
 * service's proven record of the key's answer: a key planted in Redis publishes nothing.
 */
@Component
class UnrecordedSweeper {
    static final String INTERVAL = "${redrain.grab.unrecorded-sweep-interval:5s}";
    /** Past the deadline: the request's own last write to the outbox may still be landing. */
    private static final Duration MARGIN = Duration.ofSeconds(2);
    private static final int SCAN_PAGE = 1_000;
    /** Refused marks already logged; bounded, so a flood of planted keys cannot grow it. */
    private static final int REPORTED_MAX = 10_000;
    private static final String MARK = ":unrec:";
    private static final Logger LOG = LoggerFactory.getLogger(UnrecordedSweeper.class);

    private final GrabRecorder grabs;
    private final StatefulRedisConnection<String, String> redis;
    private final RedisKeys keys;
    private final Clock clock;
    private final Duration settleTime;
    private final EventSerde serde = new EventSerde();
    private final Counter recorded;
    private final Counter refused;
    private final Set<String> reported = Collections.newSetFromMap(
            new LinkedHashMap<String, Boolean>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > REPORTED_MAX;
                }
            });

    UnrecordedSweeper(GrabRecorder grabs, StatefulRedisConnection<String, String> redis,
            RedisKeys keys, Clock clock, MeterRegistry meters,
            @Value(GrabRecorder.RECORD_DEADLINE) Duration recordDeadline) {
        this.grabs = grabs;
        this.redis = redis;
        this.keys = keys;
        this.clock = clock;
        this.settleTime = recordDeadline.plus(MARGIN);
        this.recorded = meters.counter("redrain.grab.unrecorded.swept");
        this.refused = meters.counter("redrain.grab.unrecorded.refused");
    }

    @Scheduled(fixedDelayString = INTERVAL, initialDelayString = INTERVAL)
    void sweepScheduled() {
        try {
            sweep();
        } catch (RuntimeException e) {
            LOG.warn("unrecorded-grab sweep: Redis, Kafka or MySQL unavailable, will retry: {}",
                    e.toString());
        }
    }

    /** One pass over the marks; returns how many grabs it recorded. */
    int sweep() {
        Instant settledBefore = clock.instant().minus(settleTime);
        int swept = 0;
        ScanArgs match = ScanArgs.Builder.matches(keys.unrecordedPattern()).limit(SCAN_PAGE);
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = redis.sync().scan(cursor, match);
            for (String key : page.getKeys()) {
                if (sweepOne(key, settledBefore)) {
                    swept++;
                }
            }
            cursor = page;
        } while (!cursor.isFinished());
        return swept;
    }

    private boolean sweepOne(String key, Instant settledBefore) {
        String payload = redis.sync().get(key);
        if (payload == null) {
            return false;
        }
        TokenIssued event;
        try {
            event = serde.deserialize(payload.getBytes(StandardCharsets.UTF_8), TokenIssued.class);
        } catch (EventDecodingException e) {
            refuse(key, "its event does not decode");
            return false;
        }
        if (event.issuedAt() != null && event.issuedAt().isAfter(settledBefore)) {
            return false; // its own request may still be recording it
        }
        int mark = key.indexOf(MARK);
        String recordId = mark < 0 ? "" : key.substring(mark + MARK.length());
        if (!key.equals(keys.unrecorded(event.actId(), recordId))) {
            refuse(key, "its event names another user");
            return false;
        }
        try {
            return switch (grabs.recordMarked(event.actId(), recordId)) {
                case RECORDED -> {
                    recorded.increment();
                    LOG.info("recorded grab {} of {} ({}), whose instance did not", recordId,
                            event.actId(), event.eventId());
                    yield true;
                }
                case GONE -> false;
                case REFUSED -> {
                    refuse(key, "it is not this service's proven record of the key's answer");
                    yield false;
                }
            };
        } catch (ApiException notNow) {
            LOG.warn("unrecorded grab {} of {} could not be recorded yet: {}", recordId,
                    event.actId(), notNow.getMessage());
            return false;
        }
    }

    private void refuse(String key, String why) {
        refused.increment();
        synchronized (reported) {
            if (!reported.add(key)) {
                return;
            }
        }
        LOG.error("refusing to record the unrecorded-grab mark {}: {}; it stays for an operator"
                + " (runbooks/budget-rebuild.md)", key, why);
    }
}
