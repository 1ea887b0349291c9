package dev.redrain.issuance.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redrain.core.activity.Outcome;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.keys.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;

/**
 * A grab is answered only once its event is durable: acknowledged by Kafka or in the outbox.
 * The producer and the outbox are fakes here (the order of their answers is the point); the
 * whole path against a real broker, MySQL and Redis is {@code DurableAnswerITCase}.
 */
class EventPublisherTest {
    private static final String OUT_TRADE_NO = "20261126000000000000AAAAAAAAAA";

    private final MockProducer<String, byte[]> kafka = new MockProducer<>(false, null,
            new StringSerializer(), new ByteArraySerializer());
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void theGrabWaitsForKafkasAcknowledgement() throws Exception {
        FlakyOutbox outbox = new FlakyOutbox(0);
        EventPublisher publisher = publisher(outbox, Duration.ofSeconds(5));
        CompletableFuture<Void> recorded = recordAsync(publisher, Duration.ofSeconds(10));
        awaitSent(1);
        Thread.sleep(200);
        assertThat(recorded).as("not answered before Kafka acknowledges").isNotDone();
        kafka.completeNext();
        recorded.get(2, TimeUnit.SECONDS);
        assertThat(outbox.rows).isEmpty();
        publisher.drainOutboxWriter();
    }

    @Test
    void aSilentKafkaIsPassedByWritingTheOutboxOnce() throws Exception {
        FlakyOutbox outbox = new FlakyOutbox(0);
        EventPublisher publisher = publisher(outbox, Duration.ofMillis(100));
        long start = System.nanoTime();
        publisher.record(event(), false, Duration.ofSeconds(5));
        assertThat(System.nanoTime() - start).as("one Kafka wait, not the deadline")
                .isLessThan(Duration.ofSeconds(2).toNanos());
        assertThat(outbox.rows).containsExactly("act-1");
        // Kafka gives up on the send later: the outbox is not written a second time.
        kafka.errorNext(new org.apache.kafka.common.errors.TimeoutException("broker gone"));
        Thread.sleep(300);
        assertThat(outbox.rows).containsExactly("act-1");
        // The next grabs skip Kafka for a while and go to the outbox at once.
        publisher.record(event(), false, Duration.ofSeconds(5));
        assertThat(kafka.history()).hasSize(1);
        assertThat(outbox.rows).hasSize(2);
        publisher.drainOutboxWriter();
    }

    @Test
    void anEventTheOutboxRefusesIsHeldAndTheGrabWaitsUntilItIsWritten() throws Exception {
        FlakyOutbox outbox = new FlakyOutbox(3);
        EventPublisher publisher = publisher(outbox, Duration.ofSeconds(5));
        CompletableFuture<Void> recorded = recordAsync(publisher, Duration.ofSeconds(10));
        awaitSent(1);
        // Kafka gives up on the send: the outbox gets it, but refuses the first three writes.
        kafka.errorNext(new org.apache.kafka.common.errors.TimeoutException("broker gone"));
        recorded.get(10, TimeUnit.SECONDS);
        assertThat(outbox.rows).containsExactly("act-1");
        assertThat(outbox.attempts.get()).isEqualTo(4);
        assertThat(publisher.unrecordedPending()).isZero();
        assertThat(meters.get("redrain.events.unrecorded.pending").gauge().value()).isZero();
        assertThat(meters.get("redrain.events.unrecorded").counter().count()).isZero();
        publisher.drainOutboxWriter();
    }

    @Test
    void neitherKafkaNorTheOutboxInTimeIsRefusedAndTheEventIsHeld() throws Exception {
        FlakyOutbox outbox = new FlakyOutbox(Integer.MAX_VALUE);
        EventPublisher publisher = publisher(outbox, Duration.ofMillis(50));
        assertThatThrownBy(() -> publisher.record(event(), false, Duration.ofMillis(300)))
                .isInstanceOf(EventPublisher.NotRecordedException.class);
        assertThat(publisher.unrecordedPending()).isEqualTo(1);
        assertThat(outbox.rows).isEmpty();
    }

    private EventPublisher publisher(EventPublisher.Outbox outbox, Duration kafkaAckWait) {
        return new EventPublisher(kafka, outbox, new Topics("t."), meters, kafkaAckWait);
    }

    private static CompletableFuture<Void> recordAsync(EventPublisher publisher,
            Duration deadline) {
        return CompletableFuture.runAsync(() -> publisher.record(event(), false, deadline));
    }

    private void awaitSent(int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (kafka.history().size() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(kafka.history()).hasSize(count);
    }

    private static TokenIssued event() {
        return new TokenIssued("issued-" + OUT_TRADE_NO, OUT_TRADE_NO,
                "act-1_scene_rain_CASH_FORMAL", "douyin", "act-1", "fest", "fest-formal",
                Stage.FORMAL, "scene", "rain", "fest-cash", "fest-cash", "CASH",
                Outcome.AWARDED, 100, "CNY", Instant.parse("2026-11-26T00:00:00Z"),
                java.time.LocalDate.parse("2026-11-26"), null);
    }

    /** An outbox whose first writes fail as if MySQL were down. */
    private static final class FlakyOutbox implements EventPublisher.Outbox {
        final AtomicInteger attempts = new AtomicInteger();
        final List<String> rows = new CopyOnWriteArrayList<>();
        private final int failures;

        FlakyOutbox(int failures) {
            this.failures = failures;
        }

        @Override
        public void append(String topic, String key, byte[] payload) {
            if (attempts.incrementAndGet() <= failures) {
                throw new DataAccessResourceFailureException("MySQL is away");
            }
            rows.add(key);
        }
    }
}
