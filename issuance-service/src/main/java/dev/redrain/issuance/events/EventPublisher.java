package dev.redrain.issuance.events;

import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.keys.Topics;
import dev.redrain.issuance.config.IssuanceProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Component;

/**
 * Publishes a grab's TokenIssued event to Kafka (idempotent producer, acks=all), keyed by
 * actId. If Kafka does not acknowledge within the publish timeout, or the outbox-only switch
 * is on, the event goes to the MySQL outbox instead, which {@link OutboxRelay} drains in order.
 * A send that timed out may still land; the relay then marks its row published instead of
 * sending it again ({@link InFlightSends}). Only a restart in between sends an event twice:
 * every consumer is idempotent on outTradeNo (the ledger) or on eventId.
 */
@Component
public class EventPublisher {
    /**
     * The producer's delivery timeout: by then a send has either landed or failed for good.
     * Whoever waits for a send to decide whether to send it again waits longer than this.
     */
    public static final int DELIVERY_TIMEOUT_MS = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(EventPublisher.class);

    private final KafkaProducer<String, byte[]> producer;
    private final JdbcTemplate jdbc;
    private final Topics topics;
    private final IssuanceProperties properties;
    private final EventSerde serde = new EventSerde();
    private final Counter published;
    private final Counter outboxed;
    private final Counter lost;
    private final Timer publishLatency;

    private final InFlightSends inFlight;
    /** After a failed send, grabs go straight to the outbox until this time (System.nanoTime). */
    private volatile long kafkaSkippedUntilNanos;
    /** How long Kafka is skipped after a failure before a grab tries it again. */
    static final long KAFKA_SKIP_NANOS = 2_000_000_000L;

    EventPublisher(KafkaProducer<String, byte[]> producer, JdbcTemplate jdbc, Topics topics,
            IssuanceProperties properties, MeterRegistry meters, InFlightSends inFlight) {
        this.inFlight = inFlight;
        this.producer = producer;
        this.jdbc = jdbc;
        this.topics = topics;
        this.properties = properties;
        this.published = meters.counter("redrain.events.published");
        this.outboxed = meters.counter("redrain.events.outboxed");
        this.lost = meters.counter("redrain.events.unrecorded");
        this.publishLatency = meters.timer("redrain.events.publish.latency");
    }

    /** True when the send finished successfully (possibly just after its timeout). */
    private static boolean landed(Future<RecordMetadata> send) {
        if (send == null || !send.isDone()) {
            return false;
        }
        try {
            send.get();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return false;
        }
    }

    /** Records the event durably, in Kafka or in the outbox; never throws. */
    public void publish(TokenIssued event, boolean outboxOnly) {
        byte[] payload = serde.serialize(event);
        Future<RecordMetadata> send = null;
        boolean kafkaSkipped = System.nanoTime() - kafkaSkippedUntilNanos < 0;
        if (!outboxOnly && !kafkaSkipped) {
            long start = System.nanoTime();
            try {
                send = producer.send(new ProducerRecord<>(topics.tokenIssued(), event.actId(),
                        payload));
                send.get(properties.publishTimeout().toMillis(), TimeUnit.MILLISECONDS);
                publishLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                published.increment();
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                LOG.debug("Kafka did not take event {} in time: {}", event.eventId(),
                        e.toString());
                if (!(e instanceof TimeoutException)) {
                    // Kafka refused or is unreachable: spare the next grabs the wait.
                    kafkaSkippedUntilNanos = System.nanoTime() + KAFKA_SKIP_NANOS;
                }
            }
        }
        if (landed(send)) {
            published.increment();
            return;
        }
        try {
            KeyHolder id = new GeneratedKeyHolder();
            jdbc.update(connection -> {
                PreparedStatement insert = connection.prepareStatement("INSERT INTO outbox"
                        + " (topic, message_key, payload) VALUES (?, ?, ?)",
                        Statement.RETURN_GENERATED_KEYS);
                insert.setString(1, topics.tokenIssued());
                insert.setString(2, event.actId());
                insert.setBytes(3, payload);
                return insert;
            }, id);
            if (send != null) {
                // Landed or not by now, the relay settles it: no second copy if it landed.
                inFlight.put(id.getKey().longValue(), send);
            }
            outboxed.increment();
        } catch (RuntimeException e) {
            // The token is in Redis (status ISSUED) and with the client: the nightly
            // settlement finds it as ISSUED_NOT_CREDITED and its repair credits it.
            lost.increment();
            LOG.error("event {} reached neither Kafka nor the outbox; settlement will repair"
                    + " token {}", event.eventId(), event.outTradeNo(), e);
        }
    }
}
