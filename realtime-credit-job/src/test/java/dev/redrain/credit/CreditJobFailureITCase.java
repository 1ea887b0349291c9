package dev.redrain.credit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.core.event.TokenIssued;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;

/**
 * The job is made to fail mid-stream, after a checkpoint, at the worst moment: a batch is in the
 * ledger but Redis and Kafka have not heard of it, and the other subtask holds a half-filled
 * batch. Flink restarts from the checkpoint and replays; nothing may be credited twice or lost.
 */
class CreditJobFailureITCase extends CreditJobTestBase {
    /** Failures injected so far; static because the injector runs inside the MiniCluster. */
    private static final AtomicInteger INJECTED = new AtomicInteger();

    @Test
    void aCrashAfterTheLedgerCommitAndARestartFromTheCheckpointCreditsEachTokenOnce()
            throws Exception {
        CreditJobHarness harness = newHarness();
        List<TokenIssued> tokens = new TokenEvents(21).awarded(3_000, 80);
        harness.recordPending(tokens);
        CreditFaultInjector crashOnce = (subtask, batches, checkpointFlushes) -> {
            if (subtask == 0 && batches >= 2 && checkpointFlushes >= 1
                    && INJECTED.compareAndSet(0, 1)) {
                throw new IOException("injected crash after the ledger commit");
            }
        };
        JobClient job = harness.start(harness.job(harness.sinkSettings(100), crashOnce),
                CreditJobHarness.environment(2, new Configuration()));
        try {
            publishSteadily(harness, tokens);
            harness.awaitJournals(tokens.size());
            harness.assertEveryTokenCreditedOnce(tokens);
            assertThat(INJECTED).as("the crash was injected").hasValue(1);
            assertThat(harness.creditedOutTradeNos(tokens.size()))
                    .containsExactlyInAnyOrderElementsOf(tokens.stream()
                            .map(TokenIssued::outTradeNo).toList());
        } finally {
            job.cancel().get();
        }
    }

    /** Publishes in small waves with replays mixed in, so the crash lands mid-stream. */
    private static void publishSteadily(CreditJobHarness harness, List<TokenIssued> tokens)
            throws Exception {
        Random random = new Random(5);
        int waveSize = 150;
        for (int start = 0; start < tokens.size(); start += waveSize) {
            List<byte[]> wave = new ArrayList<>();
            for (TokenIssued token : tokens.subList(start, Math.min(tokens.size(),
                    start + waveSize))) {
                wave.add(TokenEvents.bytes(token));
                if (random.nextInt(10) == 0) {
                    wave.add(TokenEvents.bytes(tokens.get(random.nextInt(start + 1))));
                }
            }
            harness.publish(wave);
            Thread.sleep(120);
        }
    }
}
