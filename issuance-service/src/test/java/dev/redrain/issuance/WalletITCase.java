package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.ledger.CreditRequest;
import dev.redrain.core.ledger.CreditSource;
import dev.redrain.core.ledger.LedgerWriter;
import dev.redrain.core.money.Money;
import dev.redrain.issuance.wallet.PayoutResolver;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

class WalletITCase extends IssuanceTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static boolean seeded;

    @Autowired
    LedgerWriter ledger;
    @Autowired
    dev.redrain.issuance.wallet.SimulatedPaymentGateway gateway;
    @Autowired
    PayoutResolver resolver;

    @BeforeEach
    void seed() {
        if (!seeded) {
            fixtures().festival("wal", Stage.FORMAL, 0)
                    .fixed("wal-cash", "wal-formal", "CASH", "CNY", 50, 1_000_000, 4, null)
                .rains("wal", "CASH").load();
            seeded = true;
        }
    }

    @AfterEach
    void channelAnswersEveryCall() {
        gateway.setLostAnswerRate(0);
        gateway.setUnknownRate(0);
        gateway.setFailureRate(0);
    }

    @AfterEach
    void ledgerBalanced() {
        assertThat(jdbc.queryForObject("SELECT COALESCE(SUM(amount_minor), 0) FROM ledger_entry",
                Long.class)).isZero();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM ledger_account a WHERE"
                + " a.balance_minor <> (SELECT COALESCE(SUM(e.amount_minor), 0) FROM ledger_entry"
                + " e WHERE e.account_id = a.account_id)", Long.class)).isZero();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM ledger_account WHERE account_type ="
                + " 'WALLET' AND balance_minor < 0", Long.class)).isZero();
    }

    @Test
    void aWonRewardShowsAsPendingAtOnceThenWithdrawalForceCreditsAndPays() throws Exception {
        List<JsonNode> won = grabs("alice", 3);
        String actId = won.get(0).get("actId").asText();
        JsonNode wallet = wallet(actId);
        assertThat(wallet.get("availableMinor").asLong()).isZero();
        assertThat(wallet.get("pendingMinor").asLong()).isEqualTo(150);
        assertThat(wallet.get("pendingTokens").asInt()).isEqualTo(3);

        JsonNode paid = ok(withdraw(actId, "req-1", 120, tokens(won)));
        assertThat(paid.get("status").asText()).isEqualTo("PAID");
        assertThat(paid.get("creditedTokens").asInt()).isEqualTo(3);
        assertThat(paid.get("channelRef").asText()).startsWith("SIM-");
        wallet = wallet(actId);
        assertThat(wallet.get("availableMinor").asLong()).isEqualTo(30);
        assertThat(wallet.get("pendingMinor").asLong()).isZero();
        assertThat(journals("FORCE", actId)).isEqualTo(3);

        // The same request again is the same withdrawal; the tokens again credit nothing.
        JsonNode again = ok(withdraw(actId, "req-1", 120, tokens(won)));
        assertThat(again.get("withdrawalId").asLong()).isEqualTo(paid.get("withdrawalId")
                .asLong());
        assertThat(wallet(actId).get("availableMinor").asLong()).isEqualTo(30);
        expectRefused(withdraw(actId, "req-1", 100, List.of()), 409, "REQUEST_ID_REUSED");
        // Replayed tokens add nothing: 30 left, 31 is too much.
        expectRefused(withdraw(actId, "req-2", 31, tokens(won)), 409, "INSUFFICIENT_BALANCE");
        assertThat(wallet(actId).get("availableMinor").asLong()).isEqualTo(30);
    }

    @Test
    void insufficientBalanceIsRefusedBeforeAnyTokenIsCredited() throws Exception {
        List<JsonNode> won = grabs("bob", 2);
        String actId = won.get(0).get("actId").asText();
        long journalsBefore = journals("FORCE", actId);
        expectRefused(withdraw(actId, "big", 101, tokens(won)), 409, "INSUFFICIENT_BALANCE");
        assertThat(journals("FORCE", actId)).isEqualTo(journalsBefore);
        assertThat(wallet(actId).get("pendingMinor").asLong()).isEqualTo(100);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM wallet_withdrawal WHERE act_id = ?",
                Long.class, actId)).isZero();
    }

    @Test
    void tamperedForeignAndOtherAppsTokensAndAccountsAreRefused() throws Exception {
        List<JsonNode> carol = grabs("carol", 1);
        List<JsonNode> dave = grabs("dave", 1);
        String carolId = carol.get(0).get("actId").asText();
        String token = carol.get(0).get("token").asText();
        char last = token.charAt(token.length() - 5);
        String tampered = token.substring(0, token.length() - 5) + (last == 'A' ? 'B' : 'A')
                + token.substring(token.length() - 4);
        expectRefused(withdraw(carolId, "t1", 10, List.of(tampered)), 400, "INVALID_TOKEN");
        expectRefused(withdraw(carolId, "t2", 10, tokens(dave)), 400, "INVALID_TOKEN");
        expectRefused(withdraw(carolId, "t3", 10, List.of("not-a-token")), 400, "INVALID_TOKEN");
        expectRefused(withdraw(carolId, "t4", -5, tokens(carol)), 400, "INVALID_FIELD");
        // An app that never saw carol cannot read or move her money.
        SignedClient lone = new SignedClient("http://127.0.0.1:" + port, LONE_APP, LONE_SECRET);
        expectRefused(lone.get("/v1/wallet/" + carolId), 404, "UNKNOWN_ACCOUNT");
        expectRefused(lone.post("/v1/wallet/" + carolId + "/withdrawals",
                "{\"requestId\":\"x1\",\"amountMinor\":10,\"tokens\":[\"" + token + "\"]}"), 404,
                "UNKNOWN_ACCOUNT");
        assertThat(wallet(carolId).get("pendingMinor").asLong()).isEqualTo(50);
        assertThat(wallet(carolId).get("availableMinor").asLong()).isZero();
    }

    @Test
    void forceCreditRacingTheStreamBooksEachTokenOnce() throws Exception {
        List<JsonNode> won = grabs("erin", 40);
        String actId = won.get(0).get("actId").asText();
        List<CreditRequest> stream = new ArrayList<>();
        for (JsonNode answer : won) {
            String outTradeNo = answer.get("outTradeNo").asText();
            stream.add(new CreditRequest(outTradeNo, actId, "wal-formal", Stage.FORMAL, "CASH",
                    Money.of(50, "CNY"), OutTradeNoGenerator.businessDate(outTradeNo),
                    CreditSource.STREAM));
        }
        CompletableFuture<Void> streamCredits = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < stream.size(); i += 5) {
                ledger.creditBatch(stream.subList(i, Math.min(stream.size(), i + 5)));
            }
        });
        JsonNode paid = ok(withdraw(actId, "race", 2_000, tokens(won)));
        streamCredits.get();
        assertThat(paid.get("status").asText()).isEqualTo("PAID");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM ledger_journal WHERE act_id = ? AND"
                + " journal_type = 'TOKEN_CREDIT'", Long.class, actId)).isEqualTo(40);
        assertThat(wallet(actId).get("availableMinor").asLong()).isZero();
    }

    @Test
    void aRefusedPayoutLeavesTheMoneyInTheWalletAndTheSameRequestCanRetry() throws Exception {
        List<JsonNode> won = grabs("frank", 2);
        String actId = won.get(0).get("actId").asText();
        setFailureRate(1.0);
        JsonNode failed = ok(withdraw(actId, "payout-1", 100, tokens(won)));
        assertThat(failed.get("status").asText()).isEqualTo("PAYOUT_FAILED");
        assertThat(wallet(actId).get("availableMinor").asLong()).isEqualTo(100);
        setFailureRate(0.0);
        // The retry debits again and pays under a fresh payout id (a refused id is never
        // reused, as at a real channel).
        JsonNode retried = ok(withdraw(actId, "payout-1", 100, List.of()));
        assertThat(retried.get("withdrawalId").asLong()).isEqualTo(failed.get("withdrawalId")
                .asLong());
        assertThat(retried.get("status").asText()).isEqualTo("PAID");
        assertThat(wallet(actId).get("availableMinor").asLong()).isZero();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM ledger_journal WHERE act_id = ?"
                + " AND journal_type LIKE 'WITHDRAWAL%'", Long.class, actId)).isEqualTo(3);
    }

    @Test
    void aPayoutWithNoAnswerStaysDebitedAndTheRetryPaysWithoutASecondDebit() throws Exception {
        List<JsonNode> won = grabs("gina", 2);
        String actId = won.get(0).get("actId").asText();
        gateway.setUnknownRate(1.0);
        JsonNode pending = ok(withdraw(actId, "unknown-1", 100, tokens(won)));
        gateway.setUnknownRate(0.0);
        assertThat(pending.get("status").asText()).isEqualTo("DEBITED");
        assertThat(wallet(actId).get("availableMinor").asLong()).isZero();
        JsonNode paid = ok(withdraw(actId, "unknown-1", 100, List.of()));
        assertThat(paid.get("status").asText()).isEqualTo("PAID");
        assertThat(paid.get("withdrawalId").asLong()).isEqualTo(pending.get("withdrawalId")
                .asLong());
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM ledger_journal WHERE act_id = ? AND"
                + " journal_type = 'WITHDRAWAL'", Long.class, actId)).isEqualTo(1);
        assertThat(wallet(actId).get("availableMinor").asLong()).isZero();
    }

    @Test
    void twentyParallelRetriesOfAFailedWithdrawalDebitAndPayItOnce() throws Exception {
        List<JsonNode> won = grabs("hana", 2);
        String actId = won.get(0).get("actId").asText();
        setFailureRate(1.0);
        assertThat(ok(withdraw(actId, "retry-20", 100, tokens(won))).get("status").asText())
                .isEqualTo("PAYOUT_FAILED");
        setFailureRate(0.0);
        assertThat(inParallel(20, () -> withdraw(actId, "retry-20", 100, List.of())))
                .as("each retry PAID, or told to retry").allMatch(WalletITCase::paidOrInProgress,
                        "200 PAID or 409 WITHDRAWAL_IN_PROGRESS");
        assertOneWithdrawalPaid(actId, "retry-20", 2, 1);
    }

    @Test
    void twentyParallelCallsSharingOneRequestIdDebitAndPayOnce() throws Exception {
        List<JsonNode> won = grabs("ines", 2);
        String actId = won.get(0).get("actId").asText();
        assertThat(inParallel(20, () -> withdraw(actId, "twin-20", 100, tokens(won))))
                .as("each call PAID, or told to retry").allMatch(WalletITCase::paidOrInProgress,
                        "200 PAID or 409 WITHDRAWAL_IN_PROGRESS");
        assertOneWithdrawalPaid(actId, "twin-20", 1, 0);
    }

    @Test
    void aPayoutPaidWhoseAnswerWasLostIsResolvedPaidOnceAndNeverRefunded() throws Exception {
        List<JsonNode> won = grabs("jack", 2);
        String actId = won.get(0).get("actId").asText();
        gateway.setLostAnswerRate(1.0);
        JsonNode pending = ok(withdraw(actId, "lost-1", 100, tokens(won)));
        gateway.setLostAnswerRate(0);
        assertThat(pending.get("status").asText()).isEqualTo("DEBITED");
        long id = pending.get("withdrawalId").asLong();
        assertThat(gateway.paid("PO-" + id + "-")).as("the channel paid it").hasSize(1);
        resolveAll();
        assertThat(withdrawalStatus(id)).isEqualTo("PAID");
        assertThat(jdbc.queryForObject("SELECT channel_ref FROM wallet_withdrawal WHERE"
                + " withdrawal_id = ?", String.class, id)).isEqualTo(gateway.status("PO-" + id
                        + "-1").channelRef());
        resolveAll();
        assertOneWithdrawalPaid(actId, "lost-1", 1, 0);
    }

    @Test
    void aPayoutRefusedWhoseAnswerWasLostReturnsTheMoneyOnce() throws Exception {
        List<JsonNode> won = grabs("kate", 2);
        String actId = won.get(0).get("actId").asText();
        setFailureRate(1.0);
        gateway.setLostAnswerRate(1.0);
        long id = ok(withdraw(actId, "lost-2", 100, tokens(won))).get("withdrawalId").asLong();
        gateway.setLostAnswerRate(0);
        assertThat(withdrawalStatus(id)).isEqualTo("DEBITED");
        resolveAll();
        resolveAll();
        assertThat(withdrawalStatus(id)).isEqualTo("PAYOUT_FAILED");
        assertThat(wallet(actId).get("availableMinor").asLong()).isEqualTo(100);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM ledger_journal WHERE act_id = ? AND"
                + " journal_type = 'WITHDRAWAL_REVERSAL'", Long.class, actId)).isEqualTo(1);
        setFailureRate(0.0);
        assertOneWithdrawalPaid(actId, "lost-2", 2, 1);
    }

    @Test
    void aPayoutThatNeverReachedTheChannelIsAskedForAgainUnderItsOwnId() throws Exception {
        List<JsonNode> won = grabs("liam", 2);
        String actId = won.get(0).get("actId").asText();
        gateway.setUnknownRate(1.0);
        long id = ok(withdraw(actId, "lost-3", 100, tokens(won))).get("withdrawalId").asLong();
        resolveAll();
        assertThat(withdrawalStatus(id)).as("the channel still answers nothing")
                .isEqualTo("DEBITED");
        assertThat(gateway.paid("PO-" + id + "-")).isEmpty();
        gateway.setUnknownRate(0);
        resolveAll();
        assertThat(withdrawalStatus(id)).isEqualTo("PAID");
        assertThat(gateway.paid("PO-" + id + "-")).containsExactly("PO-" + id + "-1");
        assertOneWithdrawalPaid(actId, "lost-3", 1, 0);
    }

    @Test
    void theResolverRacingTwentyRetriesOfALostAnswerPaysOnce() throws Exception {
        List<JsonNode> won = grabs("mona", 2);
        String actId = won.get(0).get("actId").asText();
        gateway.setLostAnswerRate(1.0);
        ok(withdraw(actId, "lost-4", 100, tokens(won)));
        gateway.setLostAnswerRate(0);
        CompletableFuture<Void> resolving = CompletableFuture.runAsync(this::resolveAll);
        assertThat(inParallel(20, () -> withdraw(actId, "lost-4", 100, List.of())))
                .allMatch(WalletITCase::paidOrInProgress, "200 PAID or 409 IN_PROGRESS");
        resolving.get();
        assertOneWithdrawalPaid(actId, "lost-4", 1, 0);
    }

    /** Resolver passes until one settles nothing, past the zero quiet time of the tests. */
    private void resolveAll() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        while (resolver.resolveQuiet() > 0) {
            // a pass is bounded; the next takes the rest
        }
    }

    private String withdrawalStatus(long id) {
        return jdbc.queryForObject("SELECT status FROM wallet_withdrawal WHERE withdrawal_id = ?",
                String.class, id);
    }

    /**
     * The withdrawal is PAID once, from exactly {@code debits} debits and {@code reversals}
     * reversals, with nothing left in the wallet or stranded in payout clearing.
     */
    private void assertOneWithdrawalPaid(String actId, String requestId, int debits,
            int reversals) throws Exception {
        assertThat(ok(withdraw(actId, requestId, 100, List.of())).get("status").asText())
                .isEqualTo("PAID");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM ledger_journal WHERE act_id = ? AND"
                + " journal_type = 'WITHDRAWAL'", Long.class, actId)).isEqualTo(debits);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM ledger_journal WHERE act_id = ? AND"
                + " journal_type = 'WITHDRAWAL_REVERSAL'", Long.class, actId))
                .isEqualTo(reversals);
        assertThat(wallet(actId).get("availableMinor").asLong()).isZero();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM wallet_withdrawal WHERE act_id = ?",
                Long.class, actId)).isEqualTo(1);
        long withdrawalId = jdbc.queryForObject("SELECT withdrawal_id FROM wallet_withdrawal"
                + " WHERE act_id = ?", Long.class, actId);
        assertThat(gateway.paid("PO-" + withdrawalId + "-")).as("one payout paid").hasSize(1);
    }

    private static boolean paidOrInProgress(String answer) {
        return answer.startsWith("200 ") && answer.contains("\"PAID\"")
                || answer.startsWith("409 ") && answer.contains("WITHDRAWAL_IN_PROGRESS");
    }

    /** The answers ("status body") of {@code count} calls started together. */
    private static List<String> inParallel(int count,
            java.util.concurrent.Callable<HttpResponse<String>> call) throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors
                .newFixedThreadPool(count);
        try {
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                calls.add(pool.submit(() -> {
                    start.await();
                    return call.call();
                }));
            }
            start.countDown();
            List<HttpResponse<String>> responses = new ArrayList<>();
            for (java.util.concurrent.Future<HttpResponse<String>> response : calls) {
                responses.add(response.get());
            }
            return responses.stream().map(response -> response.statusCode() + " "
                    + response.body()).toList();
        } finally {
            pool.shutdownNow();
        }
    }

    private void setFailureRate(double rate) {
        gateway.setFailureRate(rate);
    }

    private List<JsonNode> grabs(String userId, int count) throws Exception {
        List<JsonNode> answers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            answers.add(ok(client().post("/v1/grab", SignedClient.grabJson(APP, userId, "wal",
                    "scene-1", "rain-" + i))));
        }
        return answers;
    }

    private static List<String> tokens(List<JsonNode> answers) {
        return answers.stream().map(answer -> answer.get("token").asText()).toList();
    }

    private HttpResponse<String> withdraw(String actId, String requestId, long amount,
            List<String> tokens) throws Exception {
        String json = "{\"requestId\":\"" + requestId + "\",\"amountMinor\":" + amount
                + ",\"tokens\":" + JSON.writeValueAsString(tokens) + "}";
        return client().post("/v1/wallet/" + actId + "/withdrawals", json);
    }

    private JsonNode wallet(String actId) throws Exception {
        return ok(client().get("/v1/wallet/" + actId));
    }

    private long journals(String source, String actId) {
        return jdbc.queryForObject("SELECT COUNT(*) FROM ledger_journal WHERE source = ? AND"
                + " act_id = ?", Long.class, source, actId);
    }

    private static void expectRefused(HttpResponse<String> response, int status, String code)
            throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(JSON.readTree(response.body()).get("code").asText()).isEqualTo(code);
    }
}
