package dev.redrain.issuance.events;

import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.keys.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Publishes a grab's TokenIssued event to Kafka (idempotent producer, acks=all), keyed by
 * actId, without making the grab wait for the acknowledgement: the token is already in Redis
 * and with the client, and the grab answers at once. A send Kafka gives up on (after the
 * producer's delivery timeout) is written to the MySQL outbox, in order, by one writer thread;
 * {@link OutboxRelay} publishes it when Kafka is back. After a failure, and while the
 * outbox-only switch is on, grabs write their events to the outbox themselves.
 *
 * <p>The one gap: an instance that dies with sends still in its producer's buffer loses those
 * events. Their tokens are in Redis (status ISSUED); the nightly settlement finds them as
 * ISSUED_NOT_CREDITED and its repair credits them.
 */
@Component
public class EventPublisher {
    /**
     * The producer's delivery timeout: by then a send has either landed or failed for good.
     * Whoever waits for a send to decide whether to send it again waits longer than this.
     */
    public static final int DELIVERY_TIMEOUT_MS = 10_000;
    /** How long grabs skip Kafka after a send failed, before trying it again. */
    static final long KAFKA_SKIP_NANOS = 2_000_000_000L;
    private static final Logger LOG = LoggerFactory.getLogger(EventPublisher.class);

    private final KafkaProducer<String, byte[]> producer;
    private final JdbcTemplate jdbc;
    private final Topics topics;
    private final EventSerde serde = new EventSerde();
    /** One thread: failed sends reach the outbox in the order they failed. */
    private final ExecutorService outboxWriter = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "outbox-writer");
        thread.setDaemon(true);
        return thread;
    });
    private final Counter published;
    private final Counter outboxed;
    private final Counter lost;
    private final Timer publishLatency;
    private volatile long kafkaSkippedUntilNanos;

    EventPublisher(KafkaProducer<String, byte[]> producer, JdbcTemplate jdbc, Topics topics,
            MeterRegistry meters) {
        this.producer = producer;
        this.jdbc = jdbc;
        this.topics = topics;
        this.published = meters.counter("redrain.events.published");
        this.outboxed = meters.counter("redrain.events.outboxed");
        this.lost = meters.counter("redrain.events.unrecorded");
        this.publishLatency = meters.timer("redrain.events.publish.latency");
    }

    /** Hands the event to Kafka, or writes it to the outbox; never throws, never waits on Kafka. */
    public void publish(TokenIssued event, boolean outboxOnly) {
        byte[] payload = serde.serialize(event);
        boolean kafkaSkipped = System.nanoTime() - kafkaSkippedUntilNanos < 0;
        if (outboxOnly || kafkaSkipped) {
            toOutbox(event, payload);
            return;
        }
        long start = System.nanoTime();
        try {
            producer.send(new ProducerRecord<>(topics.tokenIssued(), event.actId(), payload),
                    (metadata, failure) -> {
                        if (failure == null) {
                            publishLatency.record(System.nanoTime() - start,
                                    TimeUnit.NANOSECONDS);
                            published.increment();
                            return;
                        }
                        // On the producer's I/O thread: hand the database write over.
                        kafkaSkippedUntilNanos = System.nanoTime() + KAFKA_SKIP_NANOS;
                        outboxWriter.execute(() -> toOutbox(event, payload));
                    });
        } catch (RuntimeException e) {
            // No metadata within max.block.ms (the broker is gone), or the buffer is full.
            kafkaSkippedUntilNanos = System.nanoTime() + KAFKA_SKIP_NANOS;
            toOutbox(event, payload);
        }
    }

    private void toOutbox(TokenIssued event, byte[] payload) {
        try {
            jdbc.update("INSERT INTO outbox (topic, message_key, payload) VALUES (?, ?, ?)",
                    topics.tokenIssued(), event.actId(), payload);
            outboxed.increment();
        } catch (RuntimeException e) {
            lost.increment();
            LOG.error("event {} reached neither Kafka nor the outbox; settlement will repair"
                    + " token {}", event.eventId(), event.outTradeNo(), e);
        }
    }

    /** Lets the failed sends still queued reach the outbox before the service stops. */
    @PreDestroy
    void drainOutboxWriter() throws InterruptedException {
        producer.flush();
        outboxWriter.shutdown();
        outboxWriter.awaitTermination(DELIVERY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }
}
