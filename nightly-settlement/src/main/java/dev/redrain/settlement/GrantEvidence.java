package dev.redrain.settlement;

import dev.redrain.core.event.EventDecodingException;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.keys.TokenHash;
import dev.redrain.core.keys.Topics;
import dev.redrain.core.outbox.OutboxStore;
import dev.redrain.core.token.Grant;
import dev.redrain.core.token.GrantProof;
import dev.redrain.core.token.GrantRejectedException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Whether a token hash in Redis is a grant the issuance service made. A hash is not evidence
 * by itself: anyone who can write to Redis can write one. Two things must hold before the
 * repair re-credits it:
 * <ol>
 *   <li>its grant proof verifies for exactly its fields (only holders of the token key ring
 *       can make one);</li>
 *   <li>the same grant, with the same proof, is on the durable record: a TokenIssued event on
 *       the token-issued topic (looked up in the partition its actId keys it to, from a minute
 *       before it was issued), or a row of the outbox.</li>
 * </ol>
 * Otherwise {@link #check} says why, and the break is left UNPROVEN for finance.
 */
final class GrantEvidence {
    /** Events reach the topic after the grant; the outbox relay can take longer (it has rows). */
    static final Duration TOPIC_LOOKBACK = Duration.ofMinutes(1);
    static final Duration TOPIC_LOOKAHEAD = Duration.ofMinutes(30);
    /** Records read per lookup, at most: a lookup never scans a whole partition. */
    static final int TOPIC_RECORDS_MAX = 200_000;
    private static final Duration POLL = Duration.ofMillis(500);

    private final GrantProof proof;
    private final JdbcTemplate jdbc;
    private final Topics topics;
    /** Null when no Kafka is configured: then only the outbox can corroborate. */
    private final String kafkaBootstrap;
    private final EventSerde serde = new EventSerde();
    private final OutboxStore outbox = new OutboxStore();

    GrantEvidence(GrantProof proof, JdbcTemplate jdbc, Topics topics, String kafkaBootstrap) {
        this.proof = proof;
        this.jdbc = jdbc;
        this.topics = topics;
        this.kafkaBootstrap = kafkaBootstrap == null || kafkaBootstrap.isBlank() ? null
                : kafkaBootstrap;
    }

    /** What the repair found: proven (with where), or not (with why). */
    record Finding(boolean proven, String evidence) {
    }

    Finding check(Map<String, String> hash) {
        Grant grant;
        try {
            grant = grant(hash);
        } catch (RuntimeException e) {
            return new Finding(false, "GRANT_PROOF_MISSING: the token hash lacks grant fields ("
                    + e.getMessage() + ")");
        }
        String presented = hash.get(TokenHash.GRANT_PROOF);
        try {
            proof.verify(grant, presented);
        } catch (GrantRejectedException e) {
            return new Finding(false, e.reason() + ": " + e.getMessage());
        }
        String outbox = inOutbox(grant, presented);
        if (outbox != null) {
            return new Finding(true, "proof verifies; " + outbox);
        }
        String topic = kafkaBootstrap == null ? null : onTopic(grant, presented);
        if (topic != null) {
            return new Finding(true, "proof verifies; " + topic);
        }
        return new Finding(false, "NOT_CORROBORATED: the proof verifies but no TokenIssued with"
                + " it is in the outbox" + (kafkaBootstrap == null ? " (no Kafka configured)"
                        : " or on " + topics.tokenIssued()));
    }

    static Grant grant(Map<String, String> hash) {
        return TokenHash.grantOf(hash);
    }

    private String inOutbox(Grant grant, String presented) {
        List<OutboxStore.Row> rows = jdbc.execute((ConnectionCallback<List<OutboxStore.Row>>)
                connection -> outbox.byKey(connection, topics.tokenIssued(), grant.actId()));
        for (OutboxStore.Row row : rows) {
            if (matches(row.payload(), grant, presented)) {
                return "outbox row " + row.id();
            }
        }
        return null;
    }

    private String onTopic(Grant grant, String presented) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topics.tokenIssued());
            if (partitions == null || partitions.isEmpty()) {
                return null;
            }
            // The issuance service keys each event by actId, so the default partitioner put it
            // in this partition.
            TopicPartition partition = new TopicPartition(topics.tokenIssued(),
                    Utils.toPositive(Utils.murmur2(grant.actId().getBytes(
                            StandardCharsets.UTF_8))) % partitions.size());
            consumer.assign(List.of(partition));
            OffsetAndTimestamp from = consumer.offsetsForTimes(Map.of(partition,
                    grant.issuedAtMs() - TOPIC_LOOKBACK.toMillis())).get(partition);
            if (from == null) {
                return null;
            }
            consumer.seek(partition, from.offset());
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long untilMs = grant.issuedAtMs() + TOPIC_LOOKAHEAD.toMillis();
            int read = 0;
            while (consumer.position(partition) < end && read < TOPIC_RECORDS_MAX) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                    read++;
                    if (record.timestamp() > untilMs) {
                        return null;
                    }
                    if (grant.actId().equals(record.key())
                            && matches(record.value(), grant, presented)) {
                        return "event at " + partition + " offset " + record.offset();
                    }
                }
            }
            return null;
        }
    }

    private boolean matches(byte[] payload, Grant grant, String presented) {
        try {
            TokenIssued event = serde.deserialize(payload, TokenIssued.class);
            return event.hasToken() && grant.equals(event.grant())
                    && presented.equals(event.grantProof());
        } catch (EventDecodingException e) {
            return false;
        }
    }
}
