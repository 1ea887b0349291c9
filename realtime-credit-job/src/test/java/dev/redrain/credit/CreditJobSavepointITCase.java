package dev.redrain.credit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.core.event.TokenIssued;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.junit.jupiter.api.Test;

/** An operator's upgrade: stop with a savepoint, restart from it at another parallelism. */
class CreditJobSavepointITCase extends CreditJobTestBase {
    @Test
    void stoppingWithASavepointAndRestartingAtParallelismTwoLosesAndRepeatsNothing()
            throws Exception {
        CreditJobHarness harness = newHarness();
        TokenEvents events = new TokenEvents(33);
        List<TokenIssued> firstWave = events.awarded(800, 40);
        List<TokenIssued> secondWave = events.awarded(800, 40);
        harness.recordPending(firstWave);
        harness.recordPending(secondWave);
        harness.publish(firstWave.stream().map(TokenEvents::bytes).toList());

        JobClient first = harness.start(harness.job(harness.sinkSettings(100),
                CreditFaultInjector.NONE), CreditJobHarness.environment(1, new Configuration()));
        harness.awaitJournals(firstWave.size());
        Path savepoints = Files.createTempDirectory("redrain-savepoints");
        String savepoint = first.stopWithSavepoint(false, savepoints.toUri().toString(),
                SavepointFormatType.CANONICAL).get();

        List<byte[]> replayAndNew = new ArrayList<>();
        Random random = new Random(3);
        for (TokenIssued token : secondWave) {
            replayAndNew.add(TokenEvents.bytes(token));
            if (random.nextInt(4) == 0) {
                replayAndNew.add(TokenEvents.bytes(firstWave.get(random.nextInt(firstWave.size()))));
            }
        }
        harness.publish(replayAndNew);

        Configuration restore = new Configuration();
        restore.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        JobClient second = harness.start(harness.job(harness.sinkSettings(100),
                CreditFaultInjector.NONE), CreditJobHarness.environment(2, restore));
        try {
            List<TokenIssued> all = new ArrayList<>(firstWave);
            all.addAll(secondWave);
            harness.awaitJournals(all.size());
            harness.assertEveryTokenCreditedOnce(all);
            assertThat(harness.creditedOutTradeNos(all.size())).hasSize(all.size());
        } finally {
            second.cancel().get();
        }
    }
}
