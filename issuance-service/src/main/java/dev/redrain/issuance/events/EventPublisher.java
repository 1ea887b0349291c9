package dev.redrain.issuance.events;

import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.keys.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
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
 * <p>An event the outbox refuses too (MySQL down or slow while Kafka is) is not dropped: it
 * waits in a bounded in-memory queue and is written again every half second, so that it is
 * recorded before Redis, its only other copy, could be lost and rebuilt without it (found by
 * the chaos suite: Kafka down, then MySQL slow, then Redis restarted empty lost a token a
 * client held). Gauge {@code redrain.events.unrecorded.pending}.
 *
 * <p>The one gap left: an instance that dies with sends still in its producer's buffer or in
 * that queue loses those events. Their tokens are in Redis (status ISSUED); the nightly
 * settlement finds them as ISSUED_NOT_CREDITED and its repair credits them, unless Redis loses
 * its data before that night: then the rebuild does not know those grants (their budget can
 * be granted again) and only the client's token still records them (a withdrawal presenting it
 * credits it). Run Redis with persistence; the window is the sends not yet acknowledged
 * (milliseconds, and no longer the metadata wait of a fresh instance, see
 * {@code fetchMetadataBeforeServing}). Closing it means answering a grab only once its event
 * is acknowledged or in the outbox (not done).
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

    /** Events held for another outbox write, at most this many. */
    static final int UNRECORDED_MAX = 100_000;
    static final long RETRY_INTERVAL_MS = 500;
    /** How long a starting instance asks Kafka for the topic's metadata before serving. */
    static final long METADATA_WAIT_MS = 5_000;

    private final Producer<String, byte[]> producer;
    private final JdbcTemplate jdbc;
    private final Topics topics;
    private final EventSerde serde = new EventSerde();
    /** One thread: failed sends reach the outbox in the order they failed; it also retries. */
    private final ScheduledExecutorService outboxWriter =
            Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "outbox-writer");
                thread.setDaemon(true);
                return thread;
            });
    private final BlockingDeque<Unrecorded> unrecorded = new LinkedBlockingDeque<>(
            UNRECORDED_MAX);
    private final Counter published;
    private final Counter outboxed;
    private final Counter lost;
    private final Timer publishLatency;
    private volatile long kafkaSkippedUntilNanos;

    EventPublisher(Producer<String, byte[]> producer, JdbcTemplate jdbc, Topics topics,
            MeterRegistry meters) {
        this.producer = producer;
        this.jdbc = jdbc;
        this.topics = topics;
        this.published = meters.counter("redrain.events.published");
        this.outboxed = meters.counter("redrain.events.outboxed");
        this.lost = meters.counter("redrain.events.unrecorded");
        this.publishLatency = meters.timer("redrain.events.publish.latency");
        meters.gauge("redrain.events.unrecorded.pending", unrecorded, BlockingDeque::size);
        outboxWriter.scheduleWithFixedDelay(this::retryUnrecorded, RETRY_INTERVAL_MS,
                RETRY_INTERVAL_MS, TimeUnit.MILLISECONDS);
        fetchMetadataBeforeServing();
    }

    /**
     * Learns the topic's partitions and leaders before the instance takes grabs (this runs
     * while Spring starts, so before the instance reports healthy). A fresh producer's first
     * sends wait in its buffer until metadata arrives, a few hundred ms on a cold JVM; the chaos
     * suite killed an instance 0.4 s after it came up and lost the events of the 18 grabs it had
     * answered meanwhile (their tokens were in Redis only, and a later Redis loss erased them:
     * long run seed 20261127). One ask is bounded by the producer's max.block.ms (1 s), which
     * a cold start on a busy machine often needed more than, so it asks for up to
     * {@link #METADATA_WAIT_MS}: with Kafka down the instance starts anyway, and its first
     * failed send turns grabs to the outbox.
     */
    private void fetchMetadataBeforeServing() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(METADATA_WAIT_MS);
        while (true) {
            try {
                int partitions = producer.partitionsFor(topics.tokenIssued()).size();
                LOG.info("Kafka metadata for {}: {} partitions", topics.tokenIssued(),
                        partitions);
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() - deadline >= 0) {
                    LOG.warn("no Kafka metadata for {} at start ({}); grabs use the outbox until"
                            + " Kafka answers", topics.tokenIssued(), e.toString());
                    return;
                }
                // An ask that fails at once (not by timing out) must not spin for 5 s.
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
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

    private record Unrecorded(TokenIssued event, byte[] payload) {
    }

    private void toOutbox(TokenIssued event, byte[] payload) {
        if (writeOutbox(event, payload)) {
            return;
        }
        if (unrecorded.offerLast(new Unrecorded(event, payload))) {
            LOG.warn("event {} reached neither Kafka nor the outbox; it is held and written"
                    + " again", event.eventId());
        } else {
            lost.increment();
            LOG.error("event {} reached neither Kafka nor the outbox and {} events are held"
                    + " already; settlement will repair token {}", event.eventId(),
                    UNRECORDED_MAX, event.outTradeNo());
        }
    }

    private boolean writeOutbox(TokenIssued event, byte[] payload) {
        try {
            jdbc.update("INSERT INTO outbox (topic, message_key, payload) VALUES (?, ?, ?)",
                    topics.tokenIssued(), event.actId(), payload);
            outboxed.increment();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Writes the held events to the outbox, oldest first, until one is refused again. */
    void retryUnrecorded() {
        Unrecorded next;
        while ((next = unrecorded.peekFirst()) != null) {
            if (!writeOutbox(next.event(), next.payload())) {
                return;
            }
            unrecorded.pollFirst();
            LOG.info("held event {} is in the outbox now", next.event().eventId());
        }
    }

    /** Events waiting for another outbox write. */
    int unrecordedPending() {
        return unrecorded.size();
    }

    /** Lets the failed sends still queued reach the outbox before the service stops. */
    @PreDestroy
    void drainOutboxWriter() throws InterruptedException {
        producer.flush();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DELIVERY_TIMEOUT_MS);
        while (!unrecorded.isEmpty() && System.nanoTime() < deadline) {
            outboxWriter.submit(this::retryUnrecorded);
            Thread.sleep(RETRY_INTERVAL_MS);
        }
        outboxWriter.shutdown();
        outboxWriter.awaitTermination(DELIVERY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        if (!unrecorded.isEmpty()) {
            LOG.error("{} events could not be recorded before stopping; settlement will repair"
                    + " their tokens", unrecorded.size());
        }
    }
}
