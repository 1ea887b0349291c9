package dev.redrain.core.outbox;

import dev.redrain.core.jdbc.Rows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The one owner of the {@code outbox} table: events the service could not hand to Kafka in
 * time, kept in MySQL until its relay publishes them. The service appends and relays; the
 * Redis rebuild and the settlement's grant evidence read; the local stack counts. Plain JDBC on
 * the caller's connection, so each caller keeps its own transaction rules (the relay runs in
 * autocommit under a named lock).
 */
public final class OutboxStore {
    private static final String COLUMNS = "outbox_id, topic, message_key, payload";

    /** One outbox row. */
    public record Row(long id, String topic, String key, byte[] payload) {
    }

    /** Appends one event; it waits for the relay. */
    public void append(Connection connection, String topic, String key, byte[] payload)
            throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO outbox (topic, message_key, payload) VALUES (?, ?, ?)")) {
            insert.setString(1, topic);
            insert.setString(2, key);
            insert.setBytes(3, payload);
            insert.executeUpdate();
        }
    }

    /** The oldest unpublished rows, at most {@code limit}, in the order they were written. */
    public List<Row> unpublished(Connection connection, int limit) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS
                + " FROM outbox WHERE published_at IS NULL ORDER BY outbox_id LIMIT ?")) {
            select.setInt(1, limit);
            return rows(select);
        }
    }

    /** Every unpublished row of one topic, in the order they were written. */
    public List<Row> unpublished(Connection connection, String topic) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS
                + " FROM outbox WHERE topic = ? AND published_at IS NULL ORDER BY outbox_id")) {
            select.setString(1, topic);
            return rows(select);
        }
    }

    /** Every row, published or not, of one topic under one message key. */
    public List<Row> byKey(Connection connection, String topic, String key)
            throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS
                + " FROM outbox WHERE topic = ? AND message_key = ? ORDER BY outbox_id")) {
            select.setString(1, topic);
            select.setString(2, key);
            return rows(select);
        }
    }

    /**
     * Marks these rows published (Kafka acknowledged them). By id, not by range: a row with a
     * lower id may commit after a batch was read.
     */
    public void markPublished(Connection connection, Collection<Long> ids) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (PreparedStatement update = connection.prepareStatement("UPDATE outbox SET"
                + " published_at = CURRENT_TIMESTAMP(3), attempts = attempts + 1"
                + " WHERE outbox_id = ?")) {
            for (long id : ids) {
                update.setLong(1, id);
                update.addBatch();
            }
            update.executeBatch();
        }
    }

    /** Rows waiting to be published. */
    public long depth(Connection connection) throws SQLException {
        return Rows.single(connection, "SELECT COUNT(*) FROM outbox WHERE published_at IS NULL");
    }

    /** Rows ever written, published or not. */
    public long written(Connection connection) throws SQLException {
        return Rows.single(connection, "SELECT COUNT(*) FROM outbox");
    }

    private static List<Row> rows(PreparedStatement select) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (ResultSet result = select.executeQuery()) {
            while (result.next()) {
                rows.add(new Row(result.getLong(1), result.getString(2), result.getString(3),
                        result.getBytes(4)));
            }
        }
        return rows;
    }
}
