package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.core.keys.TokenHash;
import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Finance's break workflow against the real service, MariaDB and Redis. The breaks are the rows
 * the nightly settlement writes (recon_break is its table; these tests write them as it does),
 * the tokens are real grants of the service, so their grant proofs are genuine, or planted
 * hashes that an attacker with Redis access could write.
 */
class FinanceWorkflowITCase extends IssuanceTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final LocalDate NIGHT = LocalDate.of(2026, 11, 30);
    private static final String NOT_CORROBORATED = "NOT_CORROBORATED: the proof verifies but no"
            + " TokenIssued with it is in the outbox or on the topic";
    private static int users;

    @Test
    void oneReviewerProposesAnotherApprovesAndTheJournalIsBookedOnceUnderRacingApprovals()
            throws Exception {
        JsonNode grant = grab();
        long breakId = unprovenBreak(grant, NOT_CORROBORATED);
        String path = "/admin/finance/breaks/" + breakId + "/journals";
        expect(admin(OPERATOR_TOKEN, "POST", path, note("operators run festivals")), 403,
                "FORBIDDEN");
        JsonNode proposed = ok(admin(FINANCE_TOKEN, "POST", path,
                note("user complaint #77 matches the grant")));
        assertThat(proposed.get("amountMinor").asLong()).isEqualTo(188);
        assertThat(proposed.get("amount").asText()).isEqualTo("1.88 CNY");
        expect(admin(FINANCE_TOKEN, "POST", path, note("again")), 409, "JOURNAL_EXISTS");
        String approve = "/admin/finance/journals/" + proposed.get("journalRequestId").asLong()
                + "/approve";
        expect(admin(FINANCE_TOKEN, "POST", approve, note("my own")), 403,
                "FOUR_EYES_REQUIRED");
        assertThat(booked(grant)).isZero();

        List<HttpResponse<String>> answers = concurrently(List.of(SECOND_FINANCE_TOKEN,
                THIRD_FINANCE_TOKEN, SECOND_FINANCE_TOKEN, THIRD_FINANCE_TOKEN), token ->
                        admin(token, "POST", approve, note("checked against the grant")));

        List<String> approvers = new ArrayList<>();
        for (HttpResponse<String> answer : answers) {
            if (answer.statusCode() == 200) {
                JsonNode posted = JSON.readTree(answer.body());
                assertThat(posted.get("status").asText()).isEqualTo("POSTED");
                approvers.add(posted.get("decidedBy").asText());
            } else {
                expect(answer, 409, "JOURNAL_DECIDED");
            }
        }
        assertThat(approvers).isNotEmpty();
        assertThat(approvers).allMatch(approvers.get(0)::equals);
        assertThat(booked(grant)).isEqualTo(1);
        assertThat(jdbc.queryForObject("SELECT source FROM ledger_journal WHERE out_trade_no = ?",
                String.class, grant.get("outTradeNo").asText())).isEqualTo("JOURNAL");
        assertThat(walletMinor(grant.get("actId").asText())).isEqualTo(188);
        JsonNode detail = ok(admin(VIEWER_TOKEN, "GET", "/admin/finance/breaks/" + breakId,
                null));
        assertThat(detail.at("/breakView/workflow/state").asText()).isEqualTo("RESOLVED");
        assertThat(detail.at("/breakView/workflow/resolution").asText())
                .isEqualTo("CORRECTED_BY_JOURNAL");
        assertThat(audited(breakId)).containsExactly("BREAK_PROPOSE_JOURNAL",
                "BREAK_APPROVE_JOURNAL", "BREAK_POST_JOURNAL", "BREAK_RESOLVE");
        // Posted is final, also for a latecomer with the right role.
        expect(admin(THIRD_FINANCE_TOKEN, "POST", approve, note("late")), 409,
                "JOURNAL_DECIDED");
    }

    @Test
    void anApprovalCutOffBeforeItsPostingIsPostedOnceByTheSameApproversRetry()
            throws Exception {
        JsonNode grant = grab();
        long breakId = unprovenBreak(grant, NOT_CORROBORATED);
        long journal = ok(admin(FINANCE_TOKEN, "POST", "/admin/finance/breaks/" + breakId
                + "/journals", note("complaint 90"))).get("journalRequestId").asLong();
        // What a crash (or a ledger outage) between recording the approval and posting
        // leaves: APPROVED by fin-ben, nothing booked.
        jdbc.update("UPDATE corrective_journal SET status = 'APPROVED', decided_by = 'fin-ben',"
                + " decided_at = NOW(3) WHERE journal_request_id = ?", journal);
        String approve = "/admin/finance/journals/" + journal + "/approve";
        expect(admin(THIRD_FINANCE_TOKEN, "POST", approve, note("me instead")), 409,
                "JOURNAL_DECIDED");
        assertThat(booked(grant)).isZero();
        JsonNode retried = ok(admin(SECOND_FINANCE_TOKEN, "POST", approve, note("again")));
        assertThat(retried.get("status").asText()).isEqualTo("POSTED");
        assertThat(retried.get("decidedBy").asText()).isEqualTo("fin-ben");
        // Once posted, a further retry is told so, and books nothing.
        HttpResponse<String> after = admin(SECOND_FINANCE_TOKEN, "POST", approve,
                note("and again"));
        expect(after, 409, "JOURNAL_DECIDED");
        assertThat(after.body()).contains("POSTED by fin-ben");
        assertThat(booked(grant)).isEqualTo(1);
        assertThat(walletMinor(grant.get("actId").asText())).isEqualTo(188);
    }

    @Test
    void aHashPlantedInRedisGetsNoJournalWhateverTheBreakSays() throws Exception {
        JsonNode genuine = grab();
        String actId = genuine.get("actId").asText();
        String planted = "20261130999999999000PLANTED0001";
        RedisKeys keys = new RedisKeys(REDIS.namespace());
        Map<String, String> hash = new java.util.HashMap<>(REDIS.commands().hgetall(keys.token(
                actId, genuine.get("outTradeNo").asText())));
        hash.put(TokenHash.OUT_TRADE_NO, planted);
        hash.put(TokenHash.AMOUNT_MINOR, "88800");
        REDIS.commands().hset(keys.token(actId, planted), hash);
        long copied = unprovenBreak(actId, planted, 88_800, NOT_CORROBORATED);
        expect(admin(FINANCE_TOKEN, "POST", "/admin/finance/breaks/" + copied + "/journals",
                note("looks fine")), 409, "JOURNAL_NOT_APPLICABLE");

        long unsigned = unprovenBreak(actId, "20261130999999999000NOPROOF001", 500,
                "GRANT_PROOF_MISSING: the token hash lacks grant fields");
        HttpResponse<String> refused = admin(FINANCE_TOKEN, "POST", "/admin/finance/breaks/"
                + unsigned + "/journals", note("book it"));
        expect(refused, 409, "JOURNAL_NOT_APPLICABLE");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM corrective_journal WHERE break_id"
                + " IN (?, ?)", Long.class, copied, unsigned)).isZero();
        assertThat(booked(planted)).isZero();
        assertThat(audited(copied)).isEmpty();
    }

    @Test
    void aPayoutTheBankReturnedGoesBackToTheWalletOnceOnTwoReviewersWord() throws Exception {
        JsonNode grant = grab();
        String actId = grant.get("actId").asText();
        String payout = paidWithdrawal(grant);
        SettlementRows rows = new SettlementRows(jdbc);
        rows.statementLine("PAYOUT", payout, 188, NIGHT);
        rows.statementLine("REFUND", payout, 188, NIGHT);
        // The break's amount is what the settlement saw; the journal books the proof's.
        long breakId = rows.returnedBreak(payout, actId, 99_999, NIGHT);
        JsonNode proposed = ok(admin(FINANCE_TOKEN, "POST", "/admin/finance/breaks/" + breakId
                + "/journals", note("bank return 4411 on the bill")));
        assertThat(proposed.get("kind").asText()).isEqualTo("RETURN_PAYOUT");
        assertThat(proposed.get("amount").asText()).isEqualTo("1.88 CNY");
        String approve = "/admin/finance/journals/" + proposed.get("journalRequestId").asLong()
                + "/approve";
        expect(admin(FINANCE_TOKEN, "POST", approve, note("mine")), 403, "FOUR_EYES_REQUIRED");
        assertThat(walletMinor(actId)).isZero();

        List<HttpResponse<String>> answers = concurrently(List.of(SECOND_FINANCE_TOKEN,
                THIRD_FINANCE_TOKEN, SECOND_FINANCE_TOKEN), token -> admin(token, "POST",
                        approve, note("checked the bill")));
        assertThat(answers).anyMatch(answer -> answer.statusCode() == 200);
        assertThat(walletMinor(actId)).as("given back once").isEqualTo(188);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM ledger_journal WHERE act_id = ? AND"
                + " journal_type = 'WITHDRAWAL_REVERSAL'", Long.class, actId)).isEqualTo(1);
        assertThat(jdbc.queryForObject("SELECT status FROM wallet_withdrawal WHERE"
                + " payout_out_trade_no = ?", String.class, payout)).isEqualTo("REVERSED");
        assertThat(ok(admin(VIEWER_TOKEN, "GET", "/admin/finance/breaks/" + breakId, null))
                .at("/breakView/workflow/resolution").asText()).isEqualTo("CORRECTED_BY_JOURNAL");
    }

    @Test
    void aRefundLineProvesNothingWithoutThePayoutWePaidInWhole() throws Exception {
        SettlementRows rows = new SettlementRows(jdbc);
        // A refund for a payout nobody here paid.
        rows.statementLine("REFUND", "PO-999999-1", 5_000, NIGHT);
        long forged = rows.returnedBreak("PO-999999-1", "someone", 5_000, NIGHT);
        // A payout we paid, but the statement returns only part of it.
        JsonNode grant = grab();
        String payout = paidWithdrawal(grant);
        rows.statementLine("REFUND", payout, 100, NIGHT);
        long partial = rows.returnedBreak(payout, grant.get("actId").asText(), 100, NIGHT);
        // A payout we paid, with no refund line at all.
        JsonNode other = grab();
        String unreturned = paidWithdrawal(other);
        long claimed = rows.returnedBreak(unreturned, other.get("actId").asText(), 188, NIGHT);
        for (long breakId : List.of(forged, partial, claimed)) {
            expect(admin(FINANCE_TOKEN, "POST", "/admin/finance/breaks/" + breakId
                    + "/journals", note("give it back")), 409, "JOURNAL_NOT_APPLICABLE");
        }
        assertThat(walletMinor(grant.get("actId").asText())).isZero();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM corrective_journal WHERE break_id"
                + " IN (?, ?, ?)", Long.class, forged, partial, claimed)).isZero();
    }

    /** Withdraws the grant's whole 1.88 CNY, paid by the channel; returns the payout id. */
    private String paidWithdrawal(JsonNode grant) throws Exception {
        String actId = grant.get("actId").asText();
        JsonNode paid = ok(client().post("/v1/wallet/" + actId + "/withdrawals",
                "{\"requestId\":\"ret-" + actId + "\",\"amountMinor\":188,\"tokens\":[\""
                        + grant.get("token").asText() + "\"]}"));
        assertThat(paid.get("status").asText()).isEqualTo("PAID");
        return jdbc.queryForObject("SELECT payout_out_trade_no FROM wallet_withdrawal WHERE"
                + " withdrawal_id = ?", String.class, paid.get("withdrawalId").asLong());
    }

    @Test
    void eachActionIsAuditedAndAResolvedBreakIsOnlyAnnotated() throws Exception {
        long breakId = openBreak("20261130000000000000CHANNELX01", "CREDITED_NOT_PAID", 300);
        String base = "/admin/finance/breaks/" + breakId;
        ok(admin(FINANCE_TOKEN, "POST", base + "/acknowledge", note("looking")));
        ok(admin(FINANCE_TOKEN, "POST", base + "/assign",
                "{\"assignee\":\"fin-ben\",\"note\":\"channel desk\"}"));
        ok(admin(SECOND_FINANCE_TOKEN, "POST", base + "/notes", note("asked the channel")));
        expect(admin(SECOND_FINANCE_TOKEN, "POST", base + "/resolve",
                "{\"resolution\":\"CORRECTED_BY_JOURNAL\",\"note\":\"x\"}"), 400,
                "INVALID_FIELD");
        expect(admin(SECOND_FINANCE_TOKEN, "POST", base + "/resolve",
                "{\"resolution\":\"FORGIVEN\",\"note\":\"x\"}"), 400, "INVALID_FIELD");
        JsonNode resolved = ok(admin(SECOND_FINANCE_TOKEN, "POST", base + "/resolve",
                "{\"resolution\":\"CHANNEL_ERROR\",\"note\":\"claimed back, ticket 12\"}"));
        assertThat(resolved.at("/workflow/state").asText()).isEqualTo("RESOLVED");
        assertThat(resolved.at("/workflow/resolvedAmountMinor").asLong()).isEqualTo(300);
        assertThat(resolved.get("amount").asText()).isEqualTo("3.00 CNY");
        expect(admin(FINANCE_TOKEN, "POST", base + "/resolve",
                "{\"resolution\":\"WRITTEN_OFF\",\"note\":\"changed my mind\"}"), 409,
                "BREAK_RESOLVED");
        expect(admin(FINANCE_TOKEN, "POST", base + "/acknowledge", note("again")), 409,
                "BREAK_RESOLVED");
        ok(admin(FINANCE_TOKEN, "POST", base + "/notes", note("channel confirmed")));

        assertThat(audited(breakId)).containsExactly("BREAK_ACKNOWLEDGE", "BREAK_ASSIGN",
                "BREAK_ANNOTATE", "BREAK_RESOLVE", "BREAK_ANNOTATE");
        assertThat(jdbc.queryForList("SELECT actor FROM admin_audit WHERE target LIKE ?"
                + " ORDER BY audit_id", String.class, "break/" + breakId + " %"))
                .containsExactly("fin-ana", "fin-ana", "fin-ben", "fin-ben", "fin-ana");
        JsonNode detail = ok(admin(VIEWER_TOKEN, "GET", base, null));
        assertThat(detail.at("/breakView/notes").size()).isEqualTo(5);
        assertThat(detail.at("/breakView/workflow/assignee").asText()).isEqualTo("fin-ben");
    }

    @Test
    void rolesAndRefusalsChangeNothing() throws Exception {
        long breakId = openBreak("20261130000000000000ROLES00001", "DUPLICATE", 100);
        String ack = "/admin/finance/breaks/" + breakId + "/acknowledge";
        expect(admin(OPERATOR_TOKEN, "POST", ack, note("not mine")), 403, "FORBIDDEN");
        expect(admin(VIEWER_TOKEN, "POST", ack, note("read only")), 403, "FORBIDDEN");
        expect(admin(null, "POST", ack, note("anyone")), 401, "BAD_CREDENTIALS");
        expect(admin(FINANCE_TOKEN, "POST", ack, "{}"), 400, "INVALID_FIELD");
        expect(admin(FINANCE_TOKEN, "POST", "/admin/finance/breaks/999999/acknowledge",
                note("none")), 404, "UNKNOWN_BREAK");
        expect(admin(FINANCE_TOKEN, "POST", "/admin/finance/breaks/abc/acknowledge",
                note("none")), 400, "INVALID_FIELD");
        expect(admin(VIEWER_TOKEN, "GET", "/admin/finance/breaks?limit=lots", null), 400,
                "INVALID_FIELD");
        expect(admin(VIEWER_TOKEN, "GET", "/admin/finance/breaks?limit=0", null), 400,
                "INVALID_FIELD");
        expect(admin(VIEWER_TOKEN, "GET", "/admin/finance/nights/yesterday", null), 400,
                "INVALID_FIELD");
        // Finance writes the workflow, not the festival: not even by another spelling.
        expect(admin(FINANCE_TOKEN, "PUT", "/admin/switches/outbox-only",
                "{\"on\":true,\"reason\":\"finance\"}"), 403, "FORBIDDEN");
        assertThat(audited(breakId)).isEmpty();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM break_case WHERE break_id = ?",
                Long.class, breakId)).isZero();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM admin_audit WHERE actor LIKE"
                + " 'fin-%' AND action NOT LIKE 'BREAK_%' AND action <> 'SIGN_OFF_NIGHT'",
                Long.class)).isZero();
    }

    @Test
    void aNightIsSignedOnceByTheSha256OfTheReportTheSettlementWrote() throws Exception {
        LocalDate night = LocalDate.of(2026, 11, 20);
        long run = settlementRun(night, "COMPLETED", "ab".repeat(32));
        long breakId = openBreak("20261120000000000000SIGNOFF001", "CREDITED_NOT_PAID", 700,
                night);
        String path = "/admin/finance/nights/" + night + "/sign-off";
        expect(admin(FINANCE_TOKEN, "POST", path, signOff(run, "cd".repeat(32))), 409,
                "REPORT_MISMATCH");
        expect(admin(FINANCE_TOKEN, "POST", path, signOff(run, "ab".repeat(32))), 409,
                "BREAKS_UNREVIEWED");
        expect(admin(OPERATOR_TOKEN, "POST", path, signOff(run, "ab".repeat(32))), 403,
                "FORBIDDEN");
        ok(admin(FINANCE_TOKEN, "POST", "/admin/finance/breaks/" + breakId + "/acknowledge",
                note("carried to tomorrow: the channel's bill is late")));
        JsonNode signed = ok(admin(FINANCE_TOKEN, "POST", path, signOff(run,
                "AB".repeat(32))));
        assertThat(signed.at("/signOff/runId").asLong()).isEqualTo(run);
        assertThat(signed.at("/signOff/reportSha256").asText()).isEqualTo("ab".repeat(32));
        assertThat(signed.at("/signOff/signedBy").asText()).isEqualTo("fin-ana");
        expect(admin(SECOND_FINANCE_TOKEN, "POST", path, signOff(run, "ab".repeat(32))), 409,
                "NIGHT_SIGNED");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM admin_audit WHERE action ="
                + " 'SIGN_OFF_NIGHT' AND target = ?", Long.class, "night/" + night))
                .isEqualTo(1);

        LocalDate rerun = LocalDate.of(2026, 11, 21);
        long first = settlementRun(rerun, "COMPLETED", "01".repeat(32));
        settlementRun(rerun, "COMPLETED", "02".repeat(32));
        expect(admin(FINANCE_TOKEN, "POST", "/admin/finance/nights/" + rerun + "/sign-off",
                signOff(first, "01".repeat(32))), 409, "NIGHT_NOT_SIGNABLE");
        expect(admin(FINANCE_TOKEN, "GET", "/admin/finance/nights/2026-01-01", null), 404,
                "UNKNOWN_NIGHT");
    }

    /** A real grant of 1.88 CNY, of a festival of its own (each test has a fresh Redis). */
    private JsonNode grab() throws Exception {
        String festival = "fin" + (++users);
        fixtures().festival(festival, Stage.FORMAL, 0)
                .fixed(festival + "-cash", festival + "-formal", "CASH", "CNY", 188, 188_000, 2,
                        null)
                .rains(festival, "CASH").load();
        HttpResponse<String> response = client().post("/v1/grab", SignedClient.grabJson(APP,
                "fin-user-" + users, festival, "scene-1", "rain-1"));
        JsonNode answer = ok(response);
        assertThat(answer.get("award").get("amountMinor").asLong()).isEqualTo(188);
        return answer;
    }

    /** A break as the settlement writes one for a token it could not corroborate. */
    private long unprovenBreak(JsonNode grant, String evidence) {
        return unprovenBreak(grant.get("actId").asText(), grant.get("outTradeNo").asText(), 188,
                evidence);
    }

    private long unprovenBreak(String actId, String outTradeNo, long amountMinor,
            String evidence) {
        jdbc.update("INSERT INTO recon_break (out_trade_no, act_id, category, legs, activity_id,"
                + " stage, award_type, currency, redis_status, redis_amount_minor, amount_minor,"
                + " first_seen_date, last_seen_date, last_seen_run, status, owner, evidence)"
                + " VALUES (?, ?, 'ISSUED_NOT_CREDITED', 'REDIS,LEDGER', 'fin-formal', 'FORMAL',"
                + " 'CASH', 'CNY', 'ISSUED', ?, ?, ?, ?, 0, 'UNPROVEN', 'FINANCE', ?)",
                outTradeNo, actId, amountMinor, amountMinor, NIGHT, NIGHT, evidence);
        return breakId(outTradeNo);
    }

    private long openBreak(String outTradeNo, String category, long amountMinor) {
        return openBreak(outTradeNo, category, amountMinor, NIGHT);
    }

    private long openBreak(String outTradeNo, String category, long amountMinor,
            LocalDate night) {
        return new SettlementRows(jdbc).openBreak(outTradeNo, category, amountMinor, night);
    }

    private long settlementRun(LocalDate night, String status, String reportSha256) {
        return new SettlementRows(jdbc).settlementRun(night, status, reportSha256);
    }

    private long breakId(String outTradeNo) {
        return new SettlementRows(jdbc).breakId(outTradeNo);
    }

    private long booked(JsonNode grant) {
        return booked(grant.get("outTradeNo").asText());
    }

    private long booked(String outTradeNo) {
        return jdbc.queryForObject("SELECT COUNT(*) FROM ledger_journal WHERE out_trade_no = ?",
                Long.class, outTradeNo);
    }

    private long walletMinor(String actId) {
        return jdbc.queryForObject("SELECT COALESCE(SUM(balance_minor), 0) FROM ledger_account"
                + " WHERE account_code = ?", Long.class, "WALLET:" + actId + ":CNY");
    }

    private List<String> audited(long breakId) {
        return jdbc.queryForList("SELECT action FROM admin_audit WHERE target LIKE ? ORDER BY"
                + " audit_id", String.class, "break/" + breakId + " %");
    }

    private static String note(String text) {
        return "{\"note\":\"" + text + "\"}";
    }

    private static String signOff(long run, String sha) {
        return "{\"runId\":" + run + ",\"reportSha256\":\"" + sha + "\",\"note\":\"reviewed\"}";
    }

    private interface Call {
        HttpResponse<String> send(String token) throws Exception;
    }

    private static List<HttpResponse<String>> concurrently(List<String> tokens, Call call)
            throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(tokens.size());
        try {
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (String token : tokens) {
                Callable<HttpResponse<String>> task = () -> call.send(token);
                futures.add(threads.submit(task));
            }
            List<HttpResponse<String>> answers = new ArrayList<>();
            for (Future<HttpResponse<String>> future : futures) {
                answers.add(future.get());
            }
            return answers;
        } finally {
            threads.shutdownNow();
        }
    }
}
