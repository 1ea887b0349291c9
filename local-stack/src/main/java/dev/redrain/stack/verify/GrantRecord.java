package dev.redrain.stack.verify;

import dev.redrain.core.event.EventDecodingException;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.keys.Topics;
import dev.redrain.core.outbox.OutboxStore;
import dev.redrain.core.token.GrantProof;
import dev.redrain.core.token.GrantRejectedException;
import dev.redrain.core.token.TokenKeyRing;
import dev.redrain.stack.run.StackException;
import dev.redrain.stack.run.StackInfo;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the issuance service granted, read by the harness itself from the durable record (the
 * token-issued topic to its end, and outbox rows not yet published), each award's grant proof
 * verified with the stack's keys. The chaos and demo checks set this against what clients
 * received and what the ledger credited, instead of asking the service's admin API: after a
 * Redis loss its "granted" figures are whatever the rebuild reconstructed, so a rebuild that
 * undercounts would hide its own overspend.
 *
 * @param awards the proven awards by outTradeNo (a record sent twice counts once)
 * @param unproven records of an award whose proof does not verify (or that do not decode)
 */
record GrantRecord(Map<String, TokenIssued> awards, int unproven) {
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration READ_MAX = Duration.ofMinutes(2);

    static GrantRecord read(StackInfo info, DataSource dataSource) throws Exception {
        Reader reader = new Reader(new GrantProof(TokenKeyRing.parseForVerifying(
                info.tokenKeys())));
        String topic = new Topics(info.topicPrefix()).tokenIssued();
        reader.readTopic(info.kafkaBootstrap(), topic);
        reader.readOutbox(dataSource, topic);
        return new GrantRecord(Map.copyOf(reader.awards), reader.unproven);
    }

    /** Count and amount of the proven awards, by currency (as {@link Summary} sums them). */
    Map<String, long[]> byCurrency() {
        Map<String, long[]> sums = new TreeMap<>();
        awards.values().forEach(award -> {
            long[] sum = sums.computeIfAbsent(award.currency(), currency -> new long[2]);
            sum[0]++;
            sum[1] += award.amountMinor();
        });
        return sums;
    }

    private static final class Reader {
        private final GrantProof proof;
        private final EventSerde serde = new EventSerde();
        private final Map<String, TokenIssued> awards = new TreeMap<>();
        private int unproven;

        Reader(GrantProof proof) {
            this.proof = proof;
        }

        void readTopic(String bootstrap, String topic) {
            Properties config = new Properties();
            config.put("bootstrap.servers", bootstrap);
            // Only what the producer committed: an aborted transaction's copy is not a grant.
            config.put("isolation.level", "read_committed");
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config,
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                        .map(p -> new TopicPartition(topic, p.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
                long deadline = System.nanoTime() + READ_MAX.toNanos();
                while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                    if (System.nanoTime() > deadline) {
                        throw new StackException("the token-issued topic did not read to its"
                                + " end in " + READ_MAX.toSeconds() + " s");
                    }
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                        add(record.value());
                    }
                }
            }
        }

        void readOutbox(DataSource dataSource, String topic) throws Exception {
            try (Connection connection = dataSource.getConnection()) {
                for (OutboxStore.Row row : new OutboxStore().unpublished(connection, topic)) {
                    add(row.payload());
                }
            }
        }

        private void add(byte[] payload) {
            try {
                TokenIssued event = serde.deserialize(payload, TokenIssued.class);
                if (!event.hasToken()) {
                    return; // an EMPTY answer grants nothing
                }
                proof.verify(event.grant(), event.grantProof());
                awards.putIfAbsent(event.outTradeNo(), event);
            } catch (EventDecodingException | GrantRejectedException e) {
                unproven++;
            }
        }
    }
}
