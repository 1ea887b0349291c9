package dev.redrain.issuance.events;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.springframework.stereotype.Component;

/**
 * Kafka sends that did not answer within the publish timeout and whose event was written to
 * the outbox, by outbox id. The relay asks here first: a send that landed after all marks its
 * row published without sending it again, so a slow Kafka does not duplicate events. (After a
 * restart this map is empty and such a row is sent again: consumers dedupe.)
 */
@Component
class InFlightSends {
    /** Bounds memory when Kafka is down for long: older entries are simply sent again. */
    static final int ENTRIES_MAX = 100_000;
    private final Map<Long, Future<RecordMetadata>> sends = new ConcurrentHashMap<>();

    void put(long outboxId, Future<RecordMetadata> send) {
        if (sends.size() < ENTRIES_MAX) {
            sends.put(outboxId, send);
        }
    }

    /** Removes and returns the send of the row, or null. */
    Future<RecordMetadata> take(long outboxId) {
        return sends.remove(outboxId);
    }
}
