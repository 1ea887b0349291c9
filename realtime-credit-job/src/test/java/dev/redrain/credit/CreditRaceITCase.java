package dev.redrain.credit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.ledger.CreditRequest;
import dev.redrain.core.ledger.CreditResult;
import dev.redrain.core.ledger.CreditSource;
import dev.redrain.core.ledger.LedgerWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;

/**
 * A withdrawal force-credits the tokens a client presents while the stream credits the same
 * tokens. Whoever comes first books each token; the other finds it booked.
 */
class CreditRaceITCase extends CreditJobTestBase {
    @Test
    void forceCreditAndTheStreamRacingOnTheSameTokensCreditEachOnce() throws Exception {
        CreditJobHarness harness = newHarness();
        List<TokenIssued> tokens = new TokenEvents(44).awarded(2_000, 30);
        harness.recordPending(tokens);
        harness.publish(tokens.stream().map(TokenEvents::bytes).toList());
        LedgerWriter forceCredit = new LedgerWriter(DB.dataSource(), Clock.systemUTC());
        List<TokenIssued> presented = new ArrayList<>(tokens);
        Collections.shuffle(presented, new Random(8));

        JobClient job = harness.start(harness.job(harness.sinkSettings(100),
                CreditFaultInjector.NONE), CreditJobHarness.environment(2, new Configuration()));
        try {
            CompletableFuture<List<CreditResult>> forced = CompletableFuture.supplyAsync(() -> {
                List<CreditResult> results = new ArrayList<>();
                for (TokenIssued token : presented) {
                    results.add(forceCredit.credit(new CreditRequest(token.outTradeNo(),
                            token.actId(), token.activityId(), token.stage(), token.awardType(),
                            token.amount(), token.businessDate(), CreditSource.FORCE)));
                }
                return results;
            });
            List<CreditResult> forcedResults = forced.get();
            harness.awaitJournals(tokens.size());
            harness.assertEveryTokenCreditedOnce(tokens);

            assertThat(forcedResults).allMatch(CreditResult::isBooked);
            long forcedByUs = forcedResults.stream()
                    .filter(r -> r.status() == CreditResult.Status.CREDITED).count();
            assertThat(harness.query("SELECT COUNT(*) FROM ledger_journal WHERE source = 'FORCE'"))
                    .isEqualTo(forcedByUs);
            assertThat(harness.query("SELECT COUNT(*) FROM ledger_journal WHERE source = 'STREAM'"))
                    .isEqualTo(tokens.size() - forcedByUs);
            // Every token is announced on token-credited, the forced ones too, each with the
            // path that booked it (the forced ones used to be announced by nobody).
            java.util.Map<String, CreditSource> announced = harness.creditedSources(tokens.size());
            assertThat(announced).hasSize(tokens.size());
            assertThat(announced.values().stream().filter(s -> s == CreditSource.FORCE).count())
                    .isEqualTo(forcedByUs);
        } finally {
            job.cancel().get();
        }
    }
}
