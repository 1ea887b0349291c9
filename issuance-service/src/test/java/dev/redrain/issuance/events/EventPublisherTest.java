package dev.redrain.issuance.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.core.activity.Outcome;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.keys.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Found by the chaos suite: with Kafka down and MySQL refusing the outbox write, the event was
 * dropped ("settlement will repair"), so when Redis was later lost and rebuilt from the topic
 * and the outbox, a token the client held was gone. The event must be held and written again
 * until the outbox takes it.
 */
class EventPublisherTest {

    @Test
    void anEventTheOutboxRefusesIsHeldAndWrittenWhenTheDatabaseIsBack() throws Exception {
        MockProducer<String, byte[]> kafka = new MockProducer<>(false, null,
                new StringSerializer(), new ByteArraySerializer());
        FlakyOutbox outbox = new FlakyOutbox(3);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        EventPublisher publisher = new EventPublisher(kafka, outbox, new Topics("t."), meters);

        publisher.publish(event("20261126000000000000AAAAAAAAAA"), false);
        // Kafka gives up on the send: the outbox gets it, but refuses the first three writes.
        kafka.errorNext(new org.apache.kafka.common.errors.TimeoutException("broker gone"));

        long deadline = System.nanoTime() + 10_000_000_000L;
        while (outbox.rows.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(outbox.rows).containsExactly("act-1");
        assertThat(outbox.attempts.get()).isEqualTo(4);
        assertThat(publisher.unrecordedPending()).isZero();
        assertThat(meters.get("redrain.events.unrecorded.pending").gauge().value()).isZero();
        assertThat(meters.get("redrain.events.unrecorded").counter().count()).isZero();
        publisher.drainOutboxWriter();
    }

    private static TokenIssued event(String outTradeNo) {
        return new TokenIssued("issued-" + outTradeNo, outTradeNo,
                "act-1_scene_rain_CASH_FORMAL", "douyin", "act-1", "fest", "fest-formal",
                Stage.FORMAL, "scene", "rain", "fest-cash", "fest-cash", "CASH",
                Outcome.AWARDED, 100, "CNY", Instant.parse("2026-11-26T00:00:00Z"),
                java.time.LocalDate.parse("2026-11-26"), null);
    }

    /** An outbox whose first writes fail as if MySQL were down. */
    private static final class FlakyOutbox extends JdbcTemplate {
        final AtomicInteger attempts = new AtomicInteger();
        final List<String> rows = new CopyOnWriteArrayList<>();
        private final int failures;

        FlakyOutbox(int failures) {
            this.failures = failures;
        }

        @Override
        public int update(String sql, Object... args) {
            if (attempts.incrementAndGet() <= failures) {
                throw new DataAccessResourceFailureException("MySQL is away");
            }
            rows.add((String) args[1]);
            return 1;
        }
    }
}
