package dev.redrain.credit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redrain.core.event.TokenIssued;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/**
 * The dead-letter runbook's replay, end to end: letters a job could not read go back to the
 * token-issued topic with the tool, a running job credits them, and repeating the replay books
 * nothing twice. Conflicts and other reasons stay where they are.
 */
class DeadLetterToolITCase extends CreditJobTestBase {
    @Test
    void replaysOneReasonOnceInEffectAndNeverAConflict() throws Exception {
        CreditJobHarness harness = newHarness();
        List<TokenIssued> tokens = new TokenEvents(23).awarded(30, 10);
        harness.recordPending(tokens);
        // What an older job version left behind: events it could not read, garbage, a conflict.
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(bytesProducer())) {
            for (TokenIssued token : tokens) {
                producer.send(DeadLetterSerializer.toRecord(harness.topics.tokenIssuedDeadLetter(),
                        new DeadLetter("UNSUPPORTED_VERSION", "schema version 2", "p0@1",
                                token.actId().getBytes(StandardCharsets.UTF_8),
                                TokenEvents.bytes(token))));
            }
            for (int i = 0; i < 5; i++) {
                producer.send(DeadLetterSerializer.toRecord(harness.topics.tokenIssuedDeadLetter(),
                        new DeadLetter("MALFORMED", "not JSON", "p0@" + i, null,
                                ("garbage-" + i).getBytes(StandardCharsets.UTF_8))));
            }
            producer.send(DeadLetterSerializer.toRecord(harness.topics.tokenIssuedDeadLetter(),
                    new DeadLetter(DeadLetterTool.REASON_LEDGER_CONFLICT, "booked differently",
                            "ledger", tokens.get(0).outTradeNo().getBytes(StandardCharsets.UTF_8),
                            null)));
        }
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        DeadLetterTool tool = new DeadLetterTool(KAFKA.bootstrapServers(), harness.topics,
                new PrintStream(printed, true, StandardCharsets.UTF_8));

        assertThat(tool.list(3)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "UNSUPPORTED_VERSION", 30, "MALFORMED", 5, "LEDGER_CONFLICT", 1));
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("UNSUPPORTED_VERSION from p0@1: schema version 2").contains("total: 36");

        assertThatThrownBy(() -> tool.replay("LEDGER_CONFLICT", 0, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no event");
        assertThat(tool.replay("UNSUPPORTED_VERSION", 0, true)).isEqualTo(30);
        assertThat(tool.replay("UNSUPPORTED_VERSION", 1_000, false)).isZero();
        assertThat(endOffset(harness.topics.tokenIssued())).isZero();

        JobClient job = harness.start(harness.job(harness.sinkSettings(50),
                CreditFaultInjector.NONE), CreditJobHarness.environment(2, new Configuration()));
        try {
            assertThat(tool.replay("UNSUPPORTED_VERSION", 0, false)).isEqualTo(30);
            assertThat(tool.replay("UNSUPPORTED_VERSION", 0, false)).isEqualTo(30);
            harness.awaitJournals(tokens.size());
            harness.assertEveryTokenCreditedOnce(tokens);
            List<ConsumerRecord<String, byte[]>> replayed =
                    harness.readAll(harness.topics.tokenIssued(), 60);
            assertThat(replayed).hasSize(60).allSatisfy(record -> {
                assertThat(record.headers().lastHeader(DeadLetterTool.HEADER_REPLAYED_FROM))
                        .isNotNull();
                assertThat(record.key()).isNotNull();
            });
            // The job read every replayed record as a good event: nothing new dead-lettered.
            assertThat(harness.readAll(harness.topics.tokenIssuedDeadLetter(), 36)).hasSize(36);
        } finally {
            job.cancel().get();
        }
    }

    private static java.util.Properties bytesProducer() {
        java.util.Properties properties = KAFKA.producerProperties();
        properties.put("key.serializer",
                org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        properties.put("value.serializer",
                org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        return properties;
    }

    private static long endOffset(String topic) throws Exception {
        try (var admin = org.apache.kafka.clients.admin.Admin.create(
                KAFKA.broker().adminProperties())) {
            var description = admin.describeTopics(List.of(topic)).allTopicNames().get()
                    .get(topic);
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec>
                    specs = new java.util.HashMap<>();
            description.partitions().forEach(partition -> specs.put(
                    new org.apache.kafka.common.TopicPartition(topic, partition.partition()),
                    org.apache.kafka.clients.admin.OffsetSpec.latest()));
            return admin.listOffsets(specs).all().get().values().stream()
                    .mapToLong(info -> info.offset()).sum();
        }
    }
}
