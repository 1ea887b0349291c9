package dev.redrain.issuance.events;

import dev.redrain.core.outbox.OutboxStore;
import dev.redrain.core.outbox.OutboxStore.Row;
import dev.redrain.issuance.ops.Switches;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Drains the outbox to Kafka in outbox_id order. One instance drains at a time (a MySQL named
 * lock; the others skip their turn), a batch is marked published only after Kafka acknowledged
 * all of it, and a failure leaves the rows for the next attempt (autocommit: each statement
 * stands alone, and a crash between the send and the mark sends the batch again).
 */
@Component
public class OutboxRelay {
    static final int BATCH_ROWS_MAX = 500;
    private static final String LOCK_NAME = "redrain-outbox-relay";
    /**
     * Longer than the producer's delivery timeout: a send that has not failed may still land,
     * so only a send the producer gave up on counts as failed (and is sent again).
     */
    private static final long SEND_TIMEOUT_MS = EventPublisher.DELIVERY_TIMEOUT_MS + 5_000;
    private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);

    private final JdbcTemplate jdbc;
    private final KafkaProducer<String, byte[]> producer;
    private final OutboxStore outbox = new OutboxStore();

    private final Switches switches;

    OutboxRelay(JdbcTemplate jdbc, KafkaProducer<String, byte[]> producer, Switches switches) {
        this.jdbc = jdbc;
        this.producer = producer;
        this.switches = switches;
    }

    /**
     * Drains the outbox, except while {@code outbox-only} is on: on-call turned it on because
     * Kafka is slow or failing, and relaying to Kafka meanwhile would put back the load the
     * switch took off it. The rows wait; the first pass after the switch goes off sends them.
     */
    @Scheduled(fixedDelayString = "${redrain.outbox-relay-interval:500ms}")
    void drainScheduled() {
        if (switches.isOn(Switches.OUTBOX_ONLY)) {
            return;
        }
        try {
            while (drainBatch() == BATCH_ROWS_MAX) {
                // A full batch: more may be waiting.
            }
        } catch (RuntimeException e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            LOG.warn("outbox relay: Kafka or MySQL unavailable, will retry: {} ({})",
                    e.getMessage(), cause.toString());
        }
    }

    /**
     * Publishes up to one batch; returns how many rows it published (0 when another instance
     * holds the relay lock). Mutual exclusion is a MySQL named lock on this connection, not row
     * locks: the relay may wait seconds for Kafka, and grabs writing to the outbox meanwhile
     * must never wait for it.
     */
    public int drainBatch() {
        Integer published = jdbc.execute((ConnectionCallback<Integer>)
                connection -> {
                    if (!namedLock(connection, "SELECT GET_LOCK(?, 0)")) {
                        return 0;
                    }
                    try {
                        return drainLocked(connection);
                    } finally {
                        namedLock(connection, "SELECT RELEASE_LOCK(?)");
                    }
                });
        return published == null ? 0 : published;
    }

    private int drainLocked(Connection connection) throws SQLException {
        List<Row> rows = outbox.unpublished(connection, BATCH_ROWS_MAX);
        if (rows.isEmpty()) {
            return 0;
        }
        // Stop issuing at the first send that fails at once (no metadata: the broker is down),
        // so nothing after it overtakes it.
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        for (Row row : rows) {
            Future<RecordMetadata> send = send(row);
            sends.add(send);
            if (send.isDone() && !succeeded(send)) {
                break;
            }
        }
        // Wait for every issued send and mark each one Kafka has: a send that landed is never
        // sent again. One that failed is sent again next time, with everything after it.
        List<Long> acknowledged = new ArrayList<>();
        Exception failure = null;
        for (int i = 0; i < sends.size(); i++) {
            try {
                sends.get(i).get(SEND_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                acknowledged.add(rows.get(i).id());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = e;
                break;
            } catch (Exception e) {
                failure = failure == null ? e : failure;
            }
        }
        outbox.markPublished(connection, acknowledged);
        if (failure != null) {
            throw new IllegalStateException("outbox: " + acknowledged.size() + " of "
                    + rows.size() + " rows acknowledged by Kafka", failure);
        }
        return acknowledged.size();
    }

    private static boolean succeeded(Future<RecordMetadata> send) {
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

    private static boolean namedLock(Connection connection, String sql)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, LOCK_NAME);
            try (ResultSet result = statement.executeQuery()) {
                return result.next() && result.getInt(1) == 1;
            }
        }
    }

    private Future<RecordMetadata> send(Row row) {
        return producer.send(new ProducerRecord<>(row.topic(), row.key(), row.payload()));
    }

    /** Rows waiting to be published. */
    public long depth() {
        Long depth = jdbc.execute((ConnectionCallback<Long>) outbox::depth);
        return depth == null ? 0 : depth;
    }
}
