package dev.redrain.issuance.events;

import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.keys.Topics;
import dev.redrain.core.outbox.OutboxStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Records a grab's TokenIssued event durably before the grab answers: acknowledged by Kafka
 * (idempotent producer, acks=all), or written to the MySQL outbox. Kafka gets a short wait
 * ({@code redrain.events.kafka-ack-wait}); past it, or after a send failed, the grab's own
 * thread writes the event to the outbox, and for a while grabs skip Kafka. {@link OutboxRelay}
 * publishes the outbox when Kafka is back. While the outbox-only switch is on, grabs write
 * their events to the outbox at once.
 *
 * <p>A send Kafka acknowledges after the grab already wrote the outbox is on the topic twice
 * (once from the relay): every reader keys on the event id or the outTradeNo, so a copy books
 * nothing more. An event nobody could record by the grab's deadline makes the grab answer a
 * retryable 503; the event is not dropped but held in a bounded in-memory queue and written
 * again every half second (gauge {@code redrain.events.unrecorded.pending}), and the grab's
 * Redis record stays marked unrecorded, so a retry records it again before answering. A
 * client therefore never holds a token whose grant is on neither the topic nor the outbox:
 * after a Redis loss, the rebuild knows every token a client received.
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
    private final Outbox outbox;
    private final Topics topics;
    private final EventSerde serde = new EventSerde();
    /** One thread: failed sends reach the outbox in the order they failed; it also retries. */
    private final ScheduledExecutorService outboxWriter =
            Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "outbox-writer");
                thread.setDaemon(true);
                return thread;
            });
    private final BlockingDeque<Delivery> unrecorded = new LinkedBlockingDeque<>(
            UNRECORDED_MAX);
    private final Counter published;
    private final Counter outboxed;
    private final Counter lost;
    private final Timer publishLatency;
    private volatile long kafkaSkippedUntilNanos;
    /** How long a grab waits for Kafka's acknowledgement before writing the outbox itself. */
    private final long kafkaAckWaitNanos;

    /** Where an event goes when Kafka did not take it in time (a unit test fakes it). */
    @FunctionalInterface
    interface Outbox {
        void append(String topic, String key, byte[] payload);

        static Outbox of(JdbcTemplate jdbc) {
            OutboxStore store = new OutboxStore();
            return (topic, key, payload) -> jdbc.execute((ConnectionCallback<Void>) connection -> {
                store.append(connection, topic, key, payload);
                return null;
            });
        }
    }

    @Autowired
    EventPublisher(Producer<String, byte[]> producer, JdbcTemplate jdbc, Topics topics,
            MeterRegistry meters,
            @Value("${redrain.events.kafka-ack-wait:1s}") Duration kafkaAckWait) {
        this(producer, Outbox.of(jdbc), topics, meters, kafkaAckWait);
    }

    EventPublisher(Producer<String, byte[]> producer, Outbox outbox, Topics topics,
            MeterRegistry meters, Duration kafkaAckWait) {
        this.kafkaAckWaitNanos = kafkaAckWait.toNanos();
        this.producer = producer;
        this.outbox = outbox;
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
     * sends wait in its buffer until metadata arrives, a few hundred ms on a cold JVM: an
     * instance killed in that window would lose the events of grabs it already answered (the
     * case is in docs/reliability.md). One ask is bounded by the producer's max.block.ms (1 s),
     * which a cold start on a busy machine can exceed, so it asks for up to
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

    /**
     * Returns once the event is acknowledged by Kafka or written to the outbox; throws
     * {@link NotRecordedException} when neither happened within {@code deadline} (the event is
     * held and written again, see the class comment).
     */
    public void record(TokenIssued event, boolean outboxOnly, Duration deadline) {
        record(event, serde.serialize(event), outboxOnly, deadline);
    }

    /** As {@link #record(TokenIssued, boolean, Duration)}, with the event already serialized. */
    public void record(TokenIssued event, byte[] payload, boolean outboxOnly, Duration deadline) {
        long deadlineNanos = System.nanoTime() + deadline.toNanos();
        Delivery delivery = new Delivery(event, payload);
        boolean kafkaSkipped = System.nanoTime() - kafkaSkippedUntilNanos < 0;
        if (!outboxOnly && !kafkaSkipped) {
            send(delivery);
            if (delivery.await(Math.min(kafkaAckWaitNanos, deadlineNanos - System.nanoTime()))) {
                return;
            }
            // Kafka is slow or gone: this grab and the next ones (for a while) use the outbox.
            kafkaSkippedUntilNanos = System.nanoTime() + KAFKA_SKIP_NANOS;
        }
        if (delivery.claimOutbox()) {
            toOutbox(delivery);
        }
        if (!delivery.await(deadlineNanos - System.nanoTime())) {
            throw new NotRecordedException(event.eventId());
        }
    }

    private void send(Delivery delivery) {
        long start = System.nanoTime();
        TokenIssued event = delivery.event;
        try {
            producer.send(new ProducerRecord<>(topics.tokenIssued(), event.actId(),
                    delivery.payload), (metadata, failure) -> {
                        if (failure == null) {
                            publishLatency.record(System.nanoTime() - start,
                                    TimeUnit.NANOSECONDS);
                            published.increment();
                            delivery.recorded.complete(null);
                            return;
                        }
                        // On the producer's I/O thread: hand the database write over.
                        kafkaSkippedUntilNanos = System.nanoTime() + KAFKA_SKIP_NANOS;
                        outboxWriter.execute(() -> {
                            if (delivery.claimOutbox()) {
                                toOutbox(delivery);
                            }
                        });
                    });
        } catch (RuntimeException e) {
            // No metadata within max.block.ms (the broker is gone), or the buffer is full.
            kafkaSkippedUntilNanos = System.nanoTime() + KAFKA_SKIP_NANOS;
        }
    }

    /**
     * One event on its way to durable storage. Kafka's acknowledgement and the outbox write
     * both complete {@code recorded}; the outbox is written at most once per event.
     */
    private static final class Delivery {
        final TokenIssued event;
        final byte[] payload;
        final CompletableFuture<Void> recorded = new CompletableFuture<>();
        private final AtomicBoolean outboxClaimed = new AtomicBoolean();

        Delivery(TokenIssued event, byte[] payload) {
            this.event = event;
            this.payload = payload;
        }

        boolean claimOutbox() {
            return outboxClaimed.compareAndSet(false, true);
        }

        boolean await(long nanos) {
            if (nanos <= 0) {
                return recorded.isDone();
            }
            try {
                recorded.get(nanos, TimeUnit.NANOSECONDS);
                return true;
            } catch (TimeoutException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return recorded.isDone();
            } catch (ExecutionException e) {
                return false;
            }
        }
    }

    /** Neither Kafka nor the outbox took the event in time: the grab answers 503. */
    public static final class NotRecordedException extends RuntimeException {
        NotRecordedException(String eventId) {
            super("event " + eventId + " reached neither Kafka nor the outbox in time; it is"
                    + " held and written again");
        }
    }

    private void toOutbox(Delivery delivery) {
        if (writeOutbox(delivery.event, delivery.payload)) {
            delivery.recorded.complete(null);
            return;
        }
        TokenIssued event = delivery.event;
        if (unrecorded.offerLast(delivery)) {
            LOG.warn("event {} reached neither Kafka nor the outbox; it is held and written"
                    + " again", event.eventId());
        } else {
            lost.increment();
            LOG.error("event {} reached neither Kafka nor the outbox and {} events are held"
                    + " already; its grab stays unrecorded until retried", event.eventId(),
                    UNRECORDED_MAX);
        }
    }

    private boolean writeOutbox(TokenIssued event, byte[] payload) {
        try {
            outbox.append(topics.tokenIssued(), event.actId(), payload);
            outboxed.increment();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Writes the held events to the outbox, oldest first, until one is refused again. */
    void retryUnrecorded() {
        Delivery next;
        while ((next = unrecorded.peekFirst()) != null) {
            if (!writeOutbox(next.event, next.payload)) {
                return;
            }
            unrecorded.pollFirst();
            next.recorded.complete(null);
            LOG.info("held event {} is in the outbox now", next.event.eventId());
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
            LOG.error("{} events could not be recorded before stopping; their grabs were not"
                    + " answered and stay unrecorded in Redis until retried", unrecorded.size());
        }
    }
}
