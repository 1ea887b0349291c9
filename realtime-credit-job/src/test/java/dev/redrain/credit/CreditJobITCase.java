package dev.redrain.credit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.core.event.EventFixturesForJob;
import dev.redrain.core.event.TokenIssued;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class CreditJobITCase extends CreditJobTestBase {
    @Test
    void duplicatesCreditOncePoisonIsDeadLetteredAndTheJobKeepsRunning() throws Exception {
        CreditJobHarness harness = newHarness();
        List<TokenIssued> tokens = new TokenEvents(7).awarded(1_500, 60);
        harness.recordPending(tokens);
        Map<String, String> poison = poison(harness);
        List<byte[]> records = new ArrayList<>();
        Random random = new Random(11);
        tokens.forEach(token -> records.add(TokenEvents.bytes(token)));
        for (int i = 0; i < 300; i++) {
            records.add(TokenEvents.bytes(tokens.get(random.nextInt(tokens.size()))));
        }
        for (int i = 0; i < 30; i++) {
            records.add(TokenEvents.bytes(TokenEvents.empty("A" + i)));
        }
        Collections.shuffle(records, random);
        List<byte[]> poisonValues = new ArrayList<>();
        poison.keySet().forEach(value -> poisonValues.add(
                value.equals("<null>") ? null : value.getBytes(StandardCharsets.UTF_8)));
        records.addAll(500, poisonValues);
        harness.publish(records);

        JobClient job = harness.start(harness.job(harness.sinkSettings(200),
                CreditFaultInjector.NONE), CreditJobHarness.environment(2, new Configuration()));
        try {
            harness.awaitJournals(tokens.size());
            harness.assertEveryTokenCreditedOnce(tokens);
            assertThat(harness.creditedOutTradeNos(tokens.size()))
                    .containsExactlyInAnyOrderElementsOf(tokens.stream()
                            .map(TokenIssued::outTradeNo).toList());

            List<ConsumerRecord<String, byte[]>> letters =
                    harness.readAll(harness.topics.tokenIssuedDeadLetter(), poison.size());
            Map<String, String> reasonsByValue = new LinkedHashMap<>();
            for (ConsumerRecord<String, byte[]> letter : letters) {
                String value = letter.value() == null ? "<null>"
                        : new String(letter.value(), StandardCharsets.UTF_8);
                reasonsByValue.put(value, new String(letter.headers()
                        .lastHeader(DeadLetter.HEADER_REASON).value(), StandardCharsets.UTF_8));
                assertThat(letter.headers().lastHeader(DeadLetter.HEADER_SOURCE)).isNotNull();
            }
            assertThat(letters).hasSize(poison.size());
            assertThat(reasonsByValue).isEqualTo(poison);
            assertThat(job.getJobStatus().get().isGloballyTerminalState()).isFalse();
        } finally {
            job.cancel().get();
        }
    }

    /** Each poison record (as text; "<null>" for a tombstone) and the reason it must get. */
    private static Map<String, String> poison(CreditJobHarness harness) {
        TokenIssued sample = new TokenEvents(99).awarded(1, 1).get(0);
        String valid = new String(TokenEvents.bytes(sample), StandardCharsets.UTF_8);
        Map<String, String> poison = new LinkedHashMap<>();
        poison.put("this is not json", "MALFORMED");
        poison.put("", "MALFORMED");
        poison.put("<null>", "MALFORMED");
        poison.put(valid.replace("\"schemaVersion\":1", "\"schemaVersion\":9"), "UNSUPPORTED_VERSION");
        poison.put(valid.replace("\"type\":\"TokenIssued\"", "\"type\":\"TokenMinted\""),
                "UNKNOWN_TYPE");
        poison.put(valid.replaceFirst("\"amountMinor\":\\d+", "\"amountMinor\":-100"), "INVALID");
        poison.put(valid.replaceFirst("\"amountMinor\":\\d+", "\"amountMinor\":0"), "INVALID");
        poison.put(new String(EventFixturesForJob.creditedBytes(), StandardCharsets.UTF_8),
                "UNEXPECTED_TYPE");
        poison.put(valid.replace(sample.outTradeNo(), "T" + sample.outTradeNo().substring(1)),
                TokenValidator.REASON_BAD_OUT_TRADE_NO);
        return poison;
    }
}
