package dev.redrain.credit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.core.activity.Outcome;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.token.GrantProof;
import dev.redrain.core.token.TokenKeyRing;
import dev.redrain.testsupport.CatalogRows;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The attacker holds write access to the token-issued topic and nothing else. Every event they
 * can make is dead-lettered with its reason, and books nothing: no journal, no token hash, no
 * TokenCredited announcement (so the channel never funds it). Events made with a leaked key
 * are still held to the catalog. Genuine events around them, including ones proven under a
 * key that has since been rotated out of active use, are booked.
 */
class ForgedEventITCase extends CreditJobTestBase {
    /** A key id the ring holds but no longer makes proofs with. */
    private static final OutTradeNoGenerator OUT_TRADE_NOS = OutTradeNoGenerator
            .withRandomInstance(Clock.systemUTC(), ZoneId.of("Asia/Shanghai"));
    private static final String OLD_KEYS = "t0:" + Base64.getEncoder().encodeToString(key());

    @Test
    void forgedEventsAreDeadLetteredWithTheirReasonsAndBookNothing() throws Exception {
        CreditJobHarness harness = newHarness();
        List<TokenIssued> genuine = new ArrayList<>(new TokenEvents(5).awarded(20, 5));
        TokenIssued base = new TokenEvents(6).awarded(1, 1).get(0);
        TokenIssued rotated = new TokenEvents(8).awarded(1, 1).get(0);
        rotated = rotated.withGrantProof(new GrantProof(TokenKeyRing.parse(OLD_KEYS, "t0"))
                .sign(rotated.grant()));
        genuine.add(rotated);
        Map<TokenIssued, String> forged = forgeries(base);
        List<byte[]> records = new ArrayList<>();
        genuine.forEach(event -> records.add(TokenEvents.bytes(event)));
        forged.keySet().forEach(event -> records.add(TokenEvents.bytes(event)));
        harness.recordPending(genuine);
        harness.publish(records);

        GrantCheckSettings checks = harness.grantChecks();
        GrantCheckSettings withOldKey = new GrantCheckSettings(checks.tokenKeys() + ","
                + OLD_KEYS, checks.jdbcUrl(), checks.jdbcUser(), checks.jdbcPassword());
        JobClient job = harness.start(harness.job(harness.sinkSettings(50),
                CreditFaultInjector.NONE, withOldKey), CreditJobHarness.environment(2,
                        new Configuration()));
        try {
            harness.awaitJournals(genuine.size());
            List<ConsumerRecord<String, byte[]>> letters =
                    harness.readAll(harness.topics.tokenIssuedDeadLetter(), forged.size());
            Map<String, String> reasonByOutTradeNo = new LinkedHashMap<>();
            for (ConsumerRecord<String, byte[]> letter : letters) {
                String value = new String(letter.value(), StandardCharsets.UTF_8);
                String reason = new String(letter.headers().lastHeader(DeadLetter.HEADER_REASON)
                        .value(), StandardCharsets.UTF_8);
                forged.forEach((event, expected) -> {
                    if (value.contains("\"eventId\":\"" + event.eventId() + "\"")) {
                        reasonByOutTradeNo.put(event.eventId(), reason);
                    }
                });
            }
            Map<String, String> expected = new LinkedHashMap<>();
            forged.forEach((event, reason) -> expected.put(event.eventId(), reason));
            assertThat(letters).hasSize(forged.size());
            assertThat(reasonByOutTradeNo).isEqualTo(expected);

            harness.assertEveryTokenCreditedOnce(genuine);
            assertThat(harness.creditedOutTradeNos(genuine.size()))
                    .containsExactlyInAnyOrderElementsOf(genuine.stream()
                            .map(TokenIssued::outTradeNo).toList());
            for (TokenIssued event : forged.keySet()) {
                assertThat(harness.keys.token(event.actId(), event.outTradeNo()))
                        .satisfies(key -> assertThat(REDIS.commands().exists(key)).isZero());
            }
        } finally {
            job.cancel().get();
        }
    }

    @Test
    void aProvenGrantBeyondTheStagesBudgetIsRefusedByTheLedgerAndDeadLettered()
            throws Exception {
        CreditJobHarness harness = newHarness();
        // A stage whose templates hold 1,000 fen: a leaked key, or budgets planted in Redis,
        // could still grant more; the ledger does not.
        CatalogRows.uniformTemplate(DB.dataSource(), "tight", "tight-formal", "FORMAL",
                "tight-cash", "CASH", "CNY", 500, 1_000);
        TokenIssued base = new TokenEvents(12).awarded(1, 1).get(0);
        List<TokenIssued> grants = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            grants.add(TokenEvents.signed(rename(new TokenIssued(base.eventId(),
                    base.outTradeNo(), base.idempotencyKey(), base.appId(), "T" + i, "tight",
                    "tight-formal", Stage.FORMAL, base.sceneId(), base.rainId(), "tight-cash",
                    "tight-cash", "CASH", Outcome.AWARDED, 400, "CNY", base.issuedAt(),
                    base.businessDate(), null), "tight-" + i)));
        }
        harness.recordPending(grants);
        List<byte[]> records = new ArrayList<>();
        grants.forEach(event -> records.add(TokenEvents.bytes(event)));
        harness.publish(records);
        JobClient job = harness.start(harness.job(harness.sinkSettings(50),
                CreditFaultInjector.NONE), CreditJobHarness.environment(1, new Configuration()));
        try {
            CreditJobHarness.await(() -> tightJournals(harness) >= 2, "two tight credits");
            List<ConsumerRecord<String, byte[]>> letters =
                    harness.readAll(harness.topics.tokenIssuedDeadLetter(), 1);
            assertThat(letters).hasSize(1);
            assertThat(new String(letters.get(0).headers().lastHeader(DeadLetter.HEADER_REASON)
                    .value(), StandardCharsets.UTF_8)).isEqualTo("OVER_BUDGET");
            assertThat(tightJournals(harness)).isEqualTo(2);
            assertThat(harness.query("SELECT COALESCE(SUM(amount_minor), 0) FROM ledger_journal"
                    + " WHERE activity_id = 'tight-formal'")).isEqualTo(800);
            String refused = letters.get(0).key();
            TokenIssued refusedGrant = grants.stream()
                    .filter(event -> event.outTradeNo().equals(refused)).findFirst().orElseThrow();
            assertThat(REDIS.commands().hget(harness.keys.token(refusedGrant.actId(), refused),
                    "status")).as("a refused credit is not marked").isNotEqualTo("CREDITED");
            assertThat(harness.creditedOutTradeNos(2)).hasSize(2).doesNotContain(refused);
            harness.assertLedgerBalanced();
        } finally {
            job.cancel().get();
        }
    }

    private static long tightJournals(CreditJobHarness harness) {
        try {
            return harness.query("SELECT COUNT(*) FROM ledger_journal WHERE activity_id ="
                    + " 'tight-formal'");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Each forged event, and the reason the job must give for it. */
    private static Map<TokenIssued, String> forgeries(TokenIssued base) {
        Map<TokenIssued, String> forged = new LinkedHashMap<>();
        forged.put(rename(change(base, "ghost-activity", base.stage(), base.templateId(),
                123_456, base.currency()), "no-proof"), "GRANT_PROOF_MISSING");
        forged.put(rename(change(base, base.activityId(), base.stage(), base.templateId(),
                999_999, base.currency()).withGrantProof(base.grantProof()), "amount-raised"),
                "GRANT_PROOF_NOT_AUTHENTIC");
        TokenIssued foreign = rename(base, "foreign-key");
        forged.put(foreign.withGrantProof(new GrantProof(TokenKeyRing.of(Map.of("t1", key()),
                "t1")).sign(foreign.grant())), "GRANT_PROOF_NOT_AUTHENTIC");
        TokenIssued unknownKey = rename(base, "unknown-key");
        forged.put(unknownKey.withGrantProof(new GrantProof(TokenKeyRing.of(Map.of("t9", key()),
                "t9")).sign(unknownKey.grant())), "GRANT_PROOF_UNKNOWN_KEY");
        forged.put(rename(base.withGrantProof("g1.t1.not-a-mac"), "garbage-proof"),
                "GRANT_PROOF_NOT_AUTHENTIC");
        // Proven with the real key (a leak): the catalog still refuses what it cannot grant.
        forged.put(leaked(change(base, "ghost-activity", base.stage(), base.templateId(),
                123_456, base.currency()), "leaked-ghost"), "UNKNOWN_ACTIVITY");
        forged.put(leaked(change(base, base.activityId(), Stage.GRAY, base.templateId(),
                base.amountMinor(), base.currency()), "leaked-stage"), "STAGE_MISMATCH");
        forged.put(leaked(change(base, base.activityId(), base.stage(), "ghost-template",
                base.amountMinor(), base.currency()), "leaked-template"), "UNKNOWN_TEMPLATE");
        forged.put(leaked(change(base, base.activityId(), base.stage(), base.templateId(),
                999_999, base.currency()), "leaked-amount"), "AMOUNT_OUT_OF_RULE");
        forged.put(leaked(change(base, base.activityId(), base.stage(), base.templateId(),
                base.amountMinor(), "CPN"), "leaked-currency"), "CURRENCY_MISMATCH");
        return forged;
    }

    private static TokenIssued leaked(TokenIssued event, String name) {
        return TokenEvents.signed(rename(event, name));
    }

    /** A copy with its own eventId and outTradeNo, so each forgery is told apart. */
    private static TokenIssued rename(TokenIssued e, String name) {
        String outTradeNo = OUT_TRADE_NOS.next();
        return new TokenIssued("forged-" + name, outTradeNo, e.idempotencyKey(), e.appId(),
                e.actId(), e.parentActivityId(), e.activityId(), e.stage(), e.sceneId(),
                e.rainId(), e.requestedTemplateId(), e.templateId(), e.awardType(), e.outcome(),
                e.amountMinor(), e.currency(), e.issuedAt(), e.businessDate(), e.grantProof());
    }

    private static TokenIssued change(TokenIssued e, String activityId, Stage stage,
            String templateId, long amountMinor, String currency) {
        return new TokenIssued(e.eventId(), e.outTradeNo(), e.idempotencyKey(), e.appId(),
                e.actId(), e.parentActivityId(), activityId, stage, e.sceneId(), e.rainId(),
                templateId, templateId, e.awardType(), Outcome.AWARDED, amountMinor, currency,
                e.issuedAt(), e.businessDate(), null);
    }

    private static byte[] key() {
        byte[] key = new byte[TokenKeyRing.KEY_LENGTH_BYTES];
        new SecureRandom().nextBytes(key);
        return key;
    }
}
