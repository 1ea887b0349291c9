package dev.redrain.issuance.events;

import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Drains the outbox to Kafka in outbox_id order. One instance drains at a time (the batch's
 * rows are locked FOR UPDATE, so a second instance waits), a batch is marked published only
 * after Kafka acknowledged all of it, and a failure leaves the rows for the next attempt.
 */
@Component
public class OutboxRelay {
    static final int BATCH_ROWS_MAX = 500;
    private static final long SEND_TIMEOUT_MS = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final KafkaProducer<String, byte[]> producer;

    private final InFlightSends inFlight;

    OutboxRelay(JdbcTemplate jdbc, TransactionTemplate transactions,
            KafkaProducer<String, byte[]> producer, InFlightSends inFlight) {
        this.inFlight = inFlight;
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.producer = producer;
    }

    @Scheduled(fixedDelayString = "${redrain.outbox-relay-interval:500ms}")
    void drainScheduled() {
        try {
            while (drainBatch() == BATCH_ROWS_MAX) {
                // A full batch: more may be waiting.
            }
        } catch (RuntimeException e) {
            LOG.warn("outbox relay: Kafka or MySQL unavailable, will retry: {}", e.toString());
        }
    }

    /** Publishes up to one batch; returns how many rows it published. */
    public int drainBatch() {
        Integer published = transactions.execute(status -> {
            List<Row> rows = jdbc.query("SELECT outbox_id, topic, message_key, payload FROM outbox"
                    + " WHERE published_at IS NULL"
                    // Rows settle for a second, so a grab registers its in-flight send first.
                    + " AND created_at < CURRENT_TIMESTAMP(3) - INTERVAL 1 SECOND"
                    + " ORDER BY outbox_id LIMIT " + BATCH_ROWS_MAX
                    + " FOR UPDATE", (result, index) -> new Row(result.getLong(1),
                            result.getString(2), result.getString(3), result.getBytes(4)));
            if (rows.isEmpty()) {
                return 0;
            }
            try {
                List<Future<RecordMetadata>> sends = new java.util.ArrayList<>();
                for (Row row : rows) {
                    sends.add(sendUnlessLanded(row));
                }
                for (Future<RecordMetadata> send : sends) {
                    send.get(SEND_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while publishing the outbox", e);
            } catch (Exception e) {
                // Rolls back: the rows stay unpublished and the next attempt sends them again.
                throw new IllegalStateException("outbox batch not acknowledged by Kafka", e);
            }
            // By id, not by range: a row with a lower id may commit after this batch was read.
            jdbc.batchUpdate("UPDATE outbox SET published_at = CURRENT_TIMESTAMP(3),"
                    + " attempts = attempts + 1 WHERE outbox_id = ?", rows.stream()
                    .map(row -> new Object[] {row.id}).toList());
            return rows.size();
        });
        return published == null ? 0 : published;
    }

    /**
     * The grab's own send if it landed after its timeout; otherwise a fresh send. Waiting for
     * the grab's send (bounded by the producer's delivery timeout) keeps the order.
     */
    private Future<RecordMetadata> sendUnlessLanded(Row row) {
        Future<RecordMetadata> original = inFlight.take(row.id);
        if (original != null) {
            try {
                original.get(SEND_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                return original;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (Exception e) {
                // It failed: send it now.
            }
        }
        return producer.send(new ProducerRecord<>(row.topic, row.key, row.payload));
    }

    /** Rows waiting to be published. */
    public long depth() {
        Long depth = jdbc.queryForObject("SELECT COUNT(*) FROM outbox WHERE published_at IS NULL",
                Long.class);
        return depth == null ? 0 : depth;
    }

    private record Row(long id, String topic, String key, byte[] payload) {
    }
}
