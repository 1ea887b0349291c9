package dev.redrain.stack.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redrain.core.activity.Outcome;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.catalog.CatalogStore;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.keys.Topics;
import dev.redrain.core.ledger.LedgerAudit;
import dev.redrain.core.ledger.LedgerReads;
import dev.redrain.core.outbox.OutboxStore;
import dev.redrain.client.RedrainClient;
import dev.redrain.client.RedrainException;
import dev.redrain.client.RequestSigner;
import dev.redrain.core.token.GrantProof;
import dev.redrain.core.token.TokenKeyRing;
import dev.redrain.issuance.account.AccountReads;
import dev.redrain.issuance.admin.AuditReads;
import dev.redrain.issuance.budget.BudgetReads;
import dev.redrain.issuance.wallet.WithdrawalReads;
import dev.redrain.stack.load.Festival;
import dev.redrain.stack.load.IssuanceClient;
import dev.redrain.stack.run.StackException;
import dev.redrain.stack.run.StackInfo;
import dev.redrain.stack.run.StackJson;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The abuse suite, against a running stack: hostile requests of every kind an app server, a
 * stolen credential or a curious user could send. Every one must be answered 4xx with an RFC
 * 9457 problem+json body carrying a code, and the ledger, the wallets, the withdrawals, the
 * budgets and every money key in Redis must be the same after as before.
 */
public final class Abuse {
    static final String ACTIVITY = "abuse-check";
    private static final String RAIN_LATER = "abuse-later";
    /** Sends of one request while the service answers 503, at most. */
    private static final int OUTAGE_ATTEMPTS_MAX = 4;
    private static final String RAIN_CANCELLED = "abuse-cancelled";
    /** Admin routes the path spellings are tried on. */
    private static final List<String> ADMIN_ROUTES = List.of("/admin/switches",
            "/admin/activities/" + "abuse-check" + "/budgets",
            "/admin/activities/" + "abuse-check" + "/rains");
    /** Other spellings of {@code /admin/}: each must be guarded as {@code /admin/} is. */
    private static final List<String> ADMIN_SPELLINGS = List.of("/%61dmin/", "/admin;x=1/",
            "//admin/", "/ADMIN/", "/Admin/", "/%41DMIN/", "/admin/../admin/", "/admin/./",
            "/v1/../admin/", "/./admin/");
    private static final String VICTIM_APP = "douyin";
    private static final String ATTACKER_APP = "toutiao";
    private static final List<String> INJECTIONS = List.of(
            "' OR '1'='1' -- ", "x'); DROP TABLE ledger_entry; --", "<script>alert(1)</script>",
            "../../../etc/passwd", "${jndi:ldap://127.0.0.1/x}", "a\r\nX-Injected: 1",
            "a\u0000b", "\u202Egnp.exe", "x".repeat(10_000), "{\"$gt\": \"\"}",
            "' UNION SELECT * FROM ledger_account --", "`rm -rf /`", "$(reboot)", "%27%20OR%201",
            "tab\there", "\uD83D\uDE00", "../admin/switches", "a b", "*", "x".repeat(65));

    /** What one hostile request got. */
    record Attempt(String name, int status, String contentType, String code, String expected,
            boolean passed) {
    }

    public record Report(List<Attempt> attempts, List<String> changes) {
        public boolean passed() {
            return changes.isEmpty() && attempts.stream().allMatch(Attempt::passed);
        }
    }

    private final StackInfo info;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .build();
    private final IssuanceClient client;
    private final Map<String, RedrainClient> apps = new HashMap<>();
    private final String base;
    private final List<Attempt> attempts = new ArrayList<>();
    private final SecureRandom random = new SecureRandom();

    private Abuse(StackInfo info) {
        this.info = info;
        this.client = new IssuanceClient(info.issuanceUrls(), info.appSecrets(),
                info.operatorToken(), Duration.ofSeconds(10), 8);
        this.base = info.issuanceUrls().get(0);
    }

    public static Report run(StackInfo info, PrintStream out) throws Exception {
        return new Abuse(info).run(out);
    }

    private Report run(PrintStream out) throws Exception {
        String suffix = Long.toString(System.currentTimeMillis(), 36);
        ensureActivity();
        Party victim = grab(VICTIM_APP, "victim-" + suffix);
        Party attacker = grab(ATTACKER_APP, "attacker-" + suffix);
        String spentRequest = "spent-" + suffix;
        try {
            // The SDK presents the attacker's kept token: the attacker spends it honestly first.
            app(ATTACKER_APP).withdraw(attacker.actId, spentRequest, attacker.amountMinor);
        } catch (RedrainException e) {
            throw new StackException("the attacker's own withdrawal failed: " + e.getMessage());
        }
        userCap(attacker);
        awaitBooked(victim, attacker);
        Map<String, String> before = snapshot();
        signatures(victim);
        grabBodies();
        withdrawals(victim, attacker, spentRequest);
        admin();
        protocol();
        rains();
        rainAdmin();
        pathSpellings();
        actuator();
        clientChosenFields();
        forgedEvents();
        Thread.sleep(2_000);
        Map<String, String> after = snapshot();
        List<String> changes = diff(before, after);
        Report report = new Report(List.copyOf(attempts), changes);
        print(report, out);
        return report;
    }

    private record Party(String app, String userId, String actId, String token,
            long amountMinor, String outTradeNo) {
    }

    // ---- set-up: an activity of its own, a victim and an attacker with money ----------------

    private void ensureActivity() throws Exception {
        if (client.admin("GET", "/admin/activities/" + ACTIVITY + "/budgets", null).ok()) {
            Festival.extend(client, ACTIVITY, Duration.ofMinutes(10));
            scheduleRains();
            return;
        }
        client.adminOk("POST", "/admin/activities", Map.of("activityId", ACTIVITY, "name",
                "abuse suite", "startsAt", Instant.now().minusSeconds(5).toString(), "endsAt",
                Instant.now().plus(Duration.ofHours(1)).toString(), "liveStage", "FORMAL",
                "grayPercent", 0, "reason", "abuse suite"));
        Map<String, Object> cash = new LinkedHashMap<>();
        cash.put("templateId", ACTIVITY + "-cash");
        cash.put("stage", "FORMAL");
        cash.put("awardType", "CASH");
        cash.put("amountRule", "FIXED");
        cash.put("fixedAmountMinor", 100);
        cash.put("budgetMinor", 1_000_000);
        cash.put("userCaps", Map.of("dailyCount", 1));
        cash.put("reason", "abuse suite");
        client.adminOk("POST", "/admin/activities/" + ACTIVITY + "/templates", cash);
        scheduleRains();
    }

    /** The suite's own rains, abuse-1 and abuse-2, each with the scene "abuse". */
    private void scheduleRains() throws Exception {
        for (String rainId : List.of("abuse-1", "abuse-2")) {
            JsonNode declared = client.adminOk("GET", "/admin/activities/" + ACTIVITY
                    + "/rains", null);
            String opensAt = Instant.now().minusSeconds(5).toString();
            for (JsonNode rain : declared) {
                if (rain.path("rainId").asText().equals(rainId)) {
                    opensAt = rain.path("opensAt").asText();
                }
            }
            client.adminOk("PUT", "/admin/activities/" + ACTIVITY + "/rains/" + rainId, Map.of(
                    "opensAt", opensAt, "closesAt", Instant.now().plus(Duration.ofMinutes(10))
                            .toString(), "scenes", List.of(Map.of("sceneId", "abuse",
                                    "awardType", "CASH")), "reason", "abuse suite"));
        }
        Instant later = Instant.now().plus(Duration.ofHours(1)).truncatedTo(
                ChronoUnit.SECONDS);
        client.adminOk("PUT", "/admin/activities/" + ACTIVITY + "/rains/" + RAIN_LATER, Map.of(
                "opensAt", later.toString(), "closesAt", later.plusSeconds(600).toString(),
                "scenes", List.of(Map.of("sceneId", "abuse", "awardType", "CASH")),
                "reason", "abuse suite: a rain not open yet"));
        JsonNode rains = client.adminOk("GET", "/admin/activities/" + ACTIVITY + "/rains", null);
        boolean cancelled = false;
        for (JsonNode rain : rains) {
            cancelled |= rain.path("rainId").asText().equals(RAIN_CANCELLED);
        }
        if (!cancelled) {
            client.adminOk("PUT", "/admin/activities/" + ACTIVITY + "/rains/" + RAIN_CANCELLED,
                    Map.of("opensAt", Instant.now().minusSeconds(5).toString(), "closesAt",
                            Instant.now().plus(Duration.ofHours(1)).toString(), "scenes",
                            List.of(Map.of("sceneId", "abuse", "awardType", "CASH")),
                            "reason", "abuse suite: a rain to cancel"));
            client.adminOk("POST", "/admin/activities/" + ACTIVITY + "/rains/" + RAIN_CANCELLED
                    + "/cancel", Map.of("reason", "abuse suite: cancelled"));
        }
        Thread.sleep(2_000);
    }

    /** The app's honest client (the SDK), for the set-up the hostile requests build on. */
    private RedrainClient app(String app) {
        return apps.computeIfAbsent(app, id -> client.app(id).build());
    }

    private Party grab(String app, String userId) throws Exception {
        RedrainClient.Grab grab = app(app).grab(userId, ACTIVITY, "abuse", "abuse-1");
        if (!"AWARDED".equals(grab.outcome())) {
            throw new StackException("set-up grab for " + userId + " was " + grab.outcome());
        }
        return new Party(app, userId, grab.actId(), grab.token(), grab.award().amountMinor(),
                grab.outTradeNo());
    }

    /**
     * The suite's cash template allows one award a user a day, so the attacker's grab of the
     * other declared rain is answered EMPTY: the answer is recorded (so it runs before the
     * snapshot), and the budget pays nothing more.
     */
    private void userCap(Party attacker) throws Exception {
        long budgetBefore = cashGranted();
        int status;
        String outcome;
        try {
            outcome = app(attacker.app).grab(attacker.userId, ACTIVITY, "abuse", "abuse-2")
                    .outcome();
            status = 200;
        } catch (RedrainException e) {
            outcome = e.code();
            status = e.status();
        }
        boolean unpaid = cashGranted() == budgetBefore;
        attempts.add(new Attempt("a second rain beyond the user's daily cap of one award",
                status, "application/json", outcome, "200 EMPTY, budget unchanged",
                status == 200 && "EMPTY".equals(outcome) && unpaid));
    }

    /** What the suite's cash template has granted, as the service reports it. */
    private long cashGranted() throws Exception {
        JsonNode budgets = client.adminOk("GET", "/admin/activities/" + ACTIVITY + "/budgets",
                null);
        for (JsonNode template : budgets.path("templates")) {
            if (template.path("templateId").asText().equals(ACTIVITY + "-cash")) {
                return template.path("grantedMinor").asLong();
            }
        }
        throw new StackException("the budgets of " + ACTIVITY + " show no cash template");
    }

    /** The stream books the set-up tokens asynchronously: wait, so the snapshot is still. */
    private void awaitBooked(Party... parties) throws Exception {
        for (int i = 0; i < 120; i++) {
            int booked;
            try (Connection connection = connection()) {
                booked = new LedgerReads().journaled(connection, Arrays.stream(parties)
                        .map(party -> party.outTradeNo).toList()).size();
            }
            if (booked == parties.length) {
                Thread.sleep(3_000);
                return;
            }
            Thread.sleep(500);
        }
        throw new StackException("the set-up tokens were not credited within 60 s");
    }

    // ---- the hostile requests -----------------------------------------------------------------

    private void signatures(Party victim) throws Exception {
        String path = "/v1/wallet/" + victim.actId + "?currency=CNY";
        byte[] none = new byte[0];
        long now = System.currentTimeMillis();
        expect("no signature headers", 401, "BAD_SIGNATURE", send("GET", path, Map.of(), none));
        expect("unknown app", 401, "BAD_SIGNATURE",
                signed("ghost-app", secret(VICTIM_APP), "GET", path, path, now,
                nonce(), none, none));
        expect("wrong secret", 401, "BAD_SIGNATURE",
                signed(VICTIM_APP, "not-the-secret-" + nonce(), "GET", path,
                path, now, nonce(), none, none));
        expect("stale timestamp (10 min old)", 401, "BAD_SIGNATURE",
                signed(VICTIM_APP, secret(VICTIM_APP), "GET",
                path, path, now - 600_000, nonce(), none, none));
        expect("future timestamp (+10 min)", 401, "BAD_SIGNATURE",
                signed(VICTIM_APP, secret(VICTIM_APP), "GET",
                path, path, now + 600_000, nonce(), none, none));
        expect("signature of another path", 401, "BAD_SIGNATURE",
                signed(VICTIM_APP, secret(VICTIM_APP), "GET", path,
                "/v1/wallet/someone-else?currency=CNY", now, nonce(), none, none));
        expect("malformed nonce", 401, "BAD_SIGNATURE",
                signed(VICTIM_APP, secret(VICTIM_APP), "GET", path, path, now,
                "../../x", none, none));
        byte[] grab = json(Map.of("appId", VICTIM_APP, "userId", "u-1", "activityId", ACTIVITY,
                "sceneId", "abuse", "rainId", "abuse-2"));
        byte[] changed = json(Map.of("appId", VICTIM_APP, "userId", "u-2", "activityId",
                ACTIVITY, "sceneId", "abuse", "rainId", "abuse-2"));
        expect("body changed after signing", 401, "BAD_SIGNATURE",
                signed(VICTIM_APP, secret(VICTIM_APP), "POST",
                "/v1/grab", "/v1/grab", now, nonce(), grab, changed));
        String nonce = nonce();
        HttpResponse<String> first = signed(VICTIM_APP, secret(VICTIM_APP), "GET", path, path,
                now, nonce, none, none);
        if (first.statusCode() != 200) {
            record("the legitimate read before the replay", first, false);
        }
        expect("replayed request (same nonce)", 401, "BAD_SIGNATURE",
                signed(VICTIM_APP, secret(VICTIM_APP), "GET",
                path, path, now, nonce, none, none));
        HttpResponse<String> truncated = sendSigned(VICTIM_APP, "GET", path, none, now, nonce(),
                sign(secret(VICTIM_APP), "GET", path, now, nonce(), none).substring(0, 20));
        expect("truncated signature", 401, "BAD_SIGNATURE", truncated);
    }

    private void grabBodies() throws Exception {
        expect("malformed JSON", 400, "MALFORMED_REQUEST", appRaw(VICTIM_APP, "POST", "/v1/grab",
                "{\"appId\": \"douyin\", \"userId\":".getBytes(StandardCharsets.UTF_8)));
        expect("oversized JSON (2 MB)", 413, "PAYLOAD_TOO_LARGE",
                appRaw(VICTIM_APP, "POST", "/v1/grab", json(Map.of(
                "appId", VICTIM_APP, "userId", "u", "activityId", ACTIVITY, "sceneId", "x",
                "rainId", "r", "padding", "x".repeat(2 * 1024 * 1024)))));
        expect("userId a number", 400, "MALFORMED_REQUEST", grabWith(Map.of("userId", 12345)));
        expect("activityId an array", 400, "MALFORMED_REQUEST",
                grabWith(Map.of("activityId", List.of(ACTIVITY))));
        expect("rainId an object", 400, "MALFORMED_REQUEST",
                grabWith(Map.of("rainId", Map.of("a", 1))));
        expect("missing userId", 400, "INVALID_FIELD", grabWithout("userId"));
        expect("missing activityId", 400, "INVALID_FIELD", grabWithout("activityId"));
        expect("appId of another app in the body", 403, "FORBIDDEN",
                grabWith(Map.of("appId", ATTACKER_APP)));
        expect("unknown activity", 404, "UNKNOWN_ACTIVITY",
                grabWith(Map.of("activityId", "no-such-activity")));
        expect("unknown award type", 400, "INVALID_FIELD",
                grabWith(Map.of("awardType", "GOLD_BARS")));
        expect("an amount chosen by the client", 400, "MALFORMED_REQUEST",
                grabWith(Map.of("amountMinor", 99_999_999)));
        expect("an outcome chosen by the client", 400, "MALFORMED_REQUEST",
                grabWith(Map.of("outcome", "AWARDED",
                "templateId", ACTIVITY + "-cash")));
        for (String field : List.of("userId", "activityId", "sceneId", "rainId", "awardType")) {
            for (String injection : INJECTIONS) {
                expect("injection in " + field + ": " + abbreviate(injection), 400,
                        "INVALID_FIELD", grabWith(Map.of(field, injection)));
            }
        }
    }

    private void withdrawals(Party victim, Party attacker, String spentRequest)
            throws Exception {
        String path = "/v1/wallet/" + attacker.actId + "/withdrawals";
        for (Object amount : new Object[] {-100, 0, "100", 1.5, null}) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("requestId", "bad-amount-" + nonce());
            body.put("amountMinor", amount);
            body.put("tokens", List.of());
            // A number that is not whole minor units does not parse; a whole one is checked.
            String code = amount instanceof String || amount instanceof Double
                    ? "MALFORMED_REQUEST" : "INVALID_FIELD";
            expect("withdrawal amount " + (amount instanceof String ? "\"" + amount + "\""
                    : amount), 400, code, app(ATTACKER_APP, "POST", path, body));
        }
        expect("withdrawal amount overflowing a long", 400, "MALFORMED_REQUEST",
                appRaw(ATTACKER_APP, "POST", path,
                ("{\"requestId\":\"ovf-" + nonce() + "\",\"amountMinor\":9223372036854775808,"
                        + "\"tokens\":[]}").getBytes(StandardCharsets.UTF_8)));
        expect("withdrawal amount 1e30", 400, "MALFORMED_REQUEST",
                appRaw(ATTACKER_APP, "POST", path, ("{\"requestId\":"
                + "\"big-" + nonce() + "\",\"amountMinor\":1e30,\"tokens\":[]}")
                .getBytes(StandardCharsets.UTF_8)));
        String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(
                randomBytes(Base64.getUrlDecoder().decode(attacker.token).length));
        expect("forged token", 400, "INVALID_TOKEN", withdraw(attacker, 100, forged));
        expect("truncated token", 400, "INVALID_TOKEN",
                withdraw(attacker, 100, victim.token.substring(0,
                victim.token.length() - 4)));
        expect("token with a flipped byte", 400, "INVALID_TOKEN",
                withdraw(attacker, 100, flip(attacker.token)));
        expect("another user's token", 400, "INVALID_TOKEN",
                withdraw(attacker, victim.amountMinor, victim.token));
        expect("replayed token (already withdrawn)", 409, "INSUFFICIENT_BALANCE",
                withdraw(attacker, attacker.amountMinor,
                attacker.token));
        expect("the same token twice", 409, "INSUFFICIENT_BALANCE",
                withdraw(attacker, 2 * attacker.amountMinor,
                attacker.token, attacker.token));
        expect("more than the wallet holds", 409, "INSUFFICIENT_BALANCE",
                withdraw(attacker, 1_000_000));
        expect("requestId reused for another amount", 409, "REQUEST_ID_REUSED",
                app(ATTACKER_APP, "POST", path, Map.of(
                "requestId", spentRequest, "amountMinor", attacker.amountMinor + 1, "tokens",
                List.of())));
        expect("a non-withdrawable asset", 422, "NOT_WITHDRAWABLE",
                app(ATTACKER_APP, "POST", path, Map.of("requestId",
                "cpn-" + nonce(), "amountMinor", 1, "currency", "CPN", "tokens", List.of())));
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 201; i++) {
            many.add(attacker.token);
        }
        expect("too many tokens", 413, "PAYLOAD_TOO_LARGE",
                withdraw(attacker, 100, many.toArray(String[]::new)));
        expect("someone else's wallet (not this app's user)", 404, "UNKNOWN_ACCOUNT",
                app(ATTACKER_APP, "POST",
                "/v1/wallet/" + victim.actId + "/withdrawals", Map.of("requestId", "steal-"
                        + nonce(), "amountMinor", victim.amountMinor, "tokens", List.of())));
        expect("someone else's wallet read", 404, "UNKNOWN_ACCOUNT",
                app(ATTACKER_APP, "GET", "/v1/wallet/"
                + victim.actId + "?currency=CNY", null));
        expect("injection in the wallet currency", 400, "INVALID_FIELD",
                app(ATTACKER_APP, "GET", "/v1/wallet/"
                + attacker.actId + "?currency=CNY%27%20OR%201%3D1", null));
        for (String injection : INJECTIONS.subList(0, 5)) {
            expect("injection in requestId: " + abbreviate(injection), 400, "INVALID_FIELD",
                    app(ATTACKER_APP, "POST", path, Map.of("requestId", injection,
                            "amountMinor", 100, "tokens", List.of())));
        }
    }

    private void admin() throws Exception {
        String budgets = "/admin/activities/" + ACTIVITY + "/budgets";
        expect("admin call signed by an app", 401, "BAD_CREDENTIALS",
                appRaw(VICTIM_APP, "GET", budgets, new byte[0]));
        expect("admin call with a made-up token", 401, "BAD_CREDENTIALS",
                bearer("made-up-" + nonce(), "GET", budgets,
                null));
        expect("viewer switching the live stage", 403, "FORBIDDEN",
                bearer(info.viewerToken(), "POST",
                "/admin/activities/" + ACTIVITY + "/live-stage", Map.of("stage", "GRAY",
                        "reason", "abuse")));
        expect("viewer raising a budget", 403, "FORBIDDEN",
                bearer(info.viewerToken(), "POST", "/admin/templates/"
                + ACTIVITY + "-cash/budget-raises", Map.of("raiseId", "r-" + nonce(),
                        "addMinor", 100, "reason", "abuse")));
        expect("unknown stage", 400, "INVALID_FIELD",
                bearer(info.operatorToken(), "POST", "/admin/activities/"
                + ACTIVITY + "/live-stage", Map.of("stage", "PRODUCTION", "reason", "abuse")));
        expect("negative budget raise", 400, "INVALID_FIELD", bearer(info.operatorToken(), "POST",
                "/admin/templates/" + ACTIVITY + "-cash/budget-raises", Map.of("raiseId", "neg-"
                        + nonce(), "addMinor", -100, "reason", "abuse")));
        expect("budget raise of an unknown template", 404, "UNKNOWN_TEMPLATE",
                bearer(info.operatorToken(), "POST",
                "/admin/templates/no-such-template/budget-raises", Map.of("raiseId", "x-"
                        + nonce(), "addMinor", 100, "reason", "abuse")));
        expect("activity id with an injection", 400, "INVALID_FIELD",
                bearer(info.operatorToken(), "POST",
                "/admin/activities", Map.of("activityId", "x'; DROP TABLE activity; --",
                        "name", "x", "startsAt", Instant.now().toString(), "endsAt",
                        Instant.now().plusSeconds(60).toString(), "reason", "abuse")));
        expect("unknown switch", 400, "INVALID_FIELD",
                bearer(info.operatorToken(), "PUT", "/admin/switches/"
                + "drop-all-tables", Map.of("on", true, "reason", "abuse")));
    }

    private void protocol() throws Exception {
        expect("unknown route", 404, "UNKNOWN_ROUTE",
                appRaw(VICTIM_APP, "GET", "/v1/money-printer", new byte[0]));
        expect("wrong method", 405, "METHOD_NOT_ALLOWED",
                appRaw(VICTIM_APP, "GET", "/v1/grab", new byte[0]));
        HttpRequest text = HttpRequest.newBuilder(URI.create(base + "/v1/grab"))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("grab please")).build();
        expect("wrong content type, unsigned", 401, "BAD_SIGNATURE", http.send(text,
                HttpResponse.BodyHandlers.ofString()));
    }

    /** Rains, scenes and award types the client names: only declared ones, open now. */
    private void rains() throws Exception {
        for (int i = 3; i < 160; i++) {
            String rainId = i % 2 == 0 ? "abuse-" + i : "c2-" + i;
            expect("made-up rain " + rainId, 404, "UNKNOWN_RAIN", grabWith(Map.of("rainId",
                    rainId)));
        }
        expect("another activity's rain id", 404, "UNKNOWN_RAIN", grabWith(Map.of("rainId",
                "rain-1")));
        for (int i = 1; i <= 80; i++) {
            expect("made-up scene scene-" + i, 404, "UNKNOWN_SCENE", grabWith(Map.of("sceneId",
                    "scene-" + i)));
        }
        expect("a rain id given as the scene", 404, "UNKNOWN_SCENE", grabWith(Map.of(
                "sceneId", "abuse-2")));
        for (String type : List.of("COUPON", "POINTS", "CARD")) {
            expect("award type " + type + " in a cash scene", 404, "UNKNOWN_AWARD_TYPE",
                    grabWith(Map.of("awardType", type)));
        }
        expect("a rain not open yet", 409, "RAIN_NOT_OPEN", grabWith(Map.of("rainId",
                RAIN_LATER)));
        expect("a cancelled rain", 409, "RAIN_NOT_OPEN", grabWith(Map.of("rainId",
                RAIN_CANCELLED)));
    }

    /** Rain schedules that would change tokens already granted, or are simply wrong. */
    private void rainAdmin() throws Exception {
        String rains = "/admin/activities/" + ACTIVITY + "/rains/";
        Instant now = Instant.now();
        Map<String, Object> cash = Map.of("sceneId", "abuse", "awardType", "CASH");
        expect("viewer scheduling a rain", 403, "FORBIDDEN", bearer(info.viewerToken(), "PUT",
                rains + "abuse-v", Map.of("opensAt", now.toString(), "closesAt",
                        now.plusSeconds(60).toString(), "scenes", List.of(cash), "reason", "x")));
        expect("viewer cancelling a rain", 403, "FORBIDDEN", bearer(info.viewerToken(), "POST",
                rains + "abuse-1/cancel", Map.of("reason", "x")));
        expect("a rain of eight days", 400, "INVALID_FIELD", bearer(info.operatorToken(),
                "PUT", rains + "abuse-long", Map.of("opensAt", now.toString(), "closesAt",
                        now.plus(Duration.ofDays(8)).toString(), "scenes", List.of(cash),
                        "reason", "abuse")));
        expect("a rain closing before it opens", 400, "INVALID_FIELD", bearer(
                info.operatorToken(), "PUT", rains + "abuse-back", Map.of("opensAt",
                        now.toString(), "closesAt", now.minusSeconds(60).toString(), "scenes",
                        List.of(cash), "reason", "abuse")));
        expect("a rain without scenes", 400, "INVALID_FIELD", bearer(info.operatorToken(),
                "PUT", rains + "abuse-empty", Map.of("opensAt", now.toString(), "closesAt",
                        now.plusSeconds(60).toString(), "scenes", List.of(), "reason", "abuse")));
        expect("a scene of an unknown award type", 404, "UNKNOWN_AWARD_TYPE", bearer(
                info.operatorToken(), "PUT", rains + "abuse-gold", Map.of("opensAt",
                        now.toString(), "closesAt", now.plusSeconds(60).toString(), "scenes",
                        List.of(Map.of("sceneId", "abuse", "awardType", "GOLD")), "reason",
                        "abuse")));
        JsonNode first = null;
        for (JsonNode rain : client.adminOk("GET", "/admin/activities/" + ACTIVITY + "/rains",
                null)) {
            if (rain.path("rainId").asText().equals("abuse-1")) {
                first = rain;
            }
        }
        String opensAt = first == null ? now.toString() : first.path("opensAt").asText();
        String closesAt = first == null ? now.toString() : first.path("closesAt").asText();
        expect("retyping an opened rain's scene", 409, "RAIN_CONFLICT", bearer(
                info.operatorToken(), "PUT", rains + "abuse-1", Map.of("opensAt", opensAt,
                        "closesAt", closesAt, "scenes", List.of(Map.of("sceneId", "abuse",
                                "awardType", "COUPON")), "reason", "abuse")));
        expect("moving an opened rain's opening", 409, "RAIN_CONFLICT", bearer(
                info.operatorToken(), "PUT", rains + "abuse-1", Map.of("opensAt",
                        Instant.parse(opensAt).plusSeconds(60).toString(), "closesAt", closesAt,
                        "scenes", List.of(cash), "reason", "abuse")));
        expect("removing an opened rain's scene", 409, "RAIN_CONFLICT", bearer(
                info.operatorToken(), "PUT", rains + "abuse-1", Map.of("opensAt", opensAt,
                        "closesAt", closesAt, "scenes", List.of(Map.of("sceneId", "other",
                                "awardType", "CASH")), "reason", "abuse")));
        expect("reviving a cancelled rain", 409, "RAIN_CONFLICT", bearer(info.operatorToken(),
                "PUT", rains + RAIN_CANCELLED, Map.of("opensAt", now.toString(), "closesAt",
                        now.plusSeconds(600).toString(), "scenes", List.of(cash), "reason",
                        "abuse")));
        expect("cancelling an unknown rain", 404, "UNKNOWN_RAIN", bearer(info.operatorToken(),
                "POST", rains + "no-such-rain/cancel", Map.of("reason", "abuse")));
        expect("rain id with an injection", 400, "INVALID_FIELD", bearer(info.operatorToken(),
                "PUT", rains + "x%27%3B%20DROP", Map.of("opensAt", now.toString(), "closesAt",
                        now.plusSeconds(60).toString(), "scenes", List.of(cash), "reason",
                        "abuse")));
    }

    /** Other spellings of the admin API's paths, sent byte for byte (no client normalises). */
    private void pathSpellings() throws Exception {
        for (String spelling : ADMIN_SPELLINGS) {
            for (String route : ADMIN_ROUTES) {
                String path = spelling + route.substring("/admin/".length());
                rawExpect("GET " + path + " without a token", 401, "BAD_CREDENTIALS", "GET",
                        path, null, null);
            }
            String write = spelling + "switches/outbox-only";
            rawExpect("PUT " + write + " without a token", 401, "BAD_CREDENTIALS", "PUT",
                    write, null, "{\"on\":true,\"reason\":\"abuse\"}");
            rawExpect("PUT " + write + " as a viewer", 403, "FORBIDDEN", "PUT", write,
                    "Bearer " + info.viewerToken(), "{\"on\":true,\"reason\":\"abuse\"}");
        }
    }

    /** Health details and metrics are for operators only. */
    private void actuator() throws Exception {
        for (String path : List.of("/actuator/health/ops", "/actuator/metrics",
                "/actuator/metrics/redrain.budget.remaining.minor", "/actuator/prometheus",
                "/%61ctuator/metrics", "/actuator;x=1/prometheus")) {
            rawExpect("GET " + path + " without a token", 401, "BAD_CREDENTIALS", "GET", path,
                    null, null);
        }
        expect("metrics with an app's signature", 401, "BAD_CREDENTIALS", appRaw(VICTIM_APP,
                "GET", "/actuator/metrics", new byte[0]));
    }

    /** Fields that decide money, which a client may not send at all. */
    private void clientChosenFields() throws Exception {
        Map<String, Object> chosen = new LinkedHashMap<>();
        chosen.put("stage", "FORMAL");
        chosen.put("currency", "CNY");
        chosen.put("templateId", ACTIVITY + "-cash");
        chosen.put("token", "x");
        chosen.put("outTradeNo", "202601010000000000001AAAAAAAA");
        chosen.put("actId", "A1");
        chosen.put("grantProof", "g1.k1.x");
        chosen.put("amount", 100);
        for (Map.Entry<String, Object> field : chosen.entrySet()) {
            expect("a " + field.getKey() + " chosen by the client", 400, "MALFORMED_REQUEST",
                    grabWith(Map.of(field.getKey(), field.getValue())));
        }
        for (String app : List.of("ghost-1", "ghost-2", "admin", "douyin2", "DOUYIN")) {
            expect("unknown app " + app, 401, "BAD_SIGNATURE", signed(app, secret(VICTIM_APP),
                    "POST", "/v1/grab", "/v1/grab", System.currentTimeMillis(), nonce(),
                    json(grabBody()), json(grabBody())));
        }
        for (String app : info.appSecrets().keySet()) {
            expect("wrong secret for " + app, 401, "BAD_SIGNATURE", signed(app,
                    "guessed-secret-" + nonce(), "POST", "/v1/grab", "/v1/grab",
                    System.currentTimeMillis(), nonce(), json(grabBody()), json(grabBody())));
        }
        for (long offsetMinutes : new long[] {-60, -30, -6, 6, 30, 60}) {
            expect("timestamp " + offsetMinutes + " min off", 401, "BAD_SIGNATURE", signed(
                    VICTIM_APP, secret(VICTIM_APP), "POST", "/v1/grab", "/v1/grab",
                    System.currentTimeMillis() + offsetMinutes * 60_000, nonce(),
                    json(grabBody()), json(grabBody())));
        }
    }

    /**
     * Someone with write access to the token-issued topic and nothing else (and, for the last
     * two, a leaked token key): each event must be dead-lettered with its reason and book
     * nothing (the snapshot after shows it).
     */
    private void forgedEvents() throws Exception {
        Topics topics = new Topics(info.topicPrefix());
        OutTradeNoGenerator numbers = OutTradeNoGenerator.withRandomInstance(
                Clock.systemUTC(), ZoneId.of(info.businessZone()));
        byte[] otherKey = randomBytes(32);
        GrantProof foreign = new GrantProof(TokenKeyRing.of(Map.of("k1", otherKey), "k1"));
        GrantProof unknownKey = new GrantProof(TokenKeyRing.of(Map.of("k9", otherKey), "k9"));
        GrantProof leaked = new GrantProof(TokenKeyRing.parseForVerifying(info.tokenKeys()));
        Map<String, TokenIssued> forged = new LinkedHashMap<>();
        Map<String, String> expected = new LinkedHashMap<>();
        TokenIssued ghost = forgedEvent(numbers.next(), "no-such-activity-formal", 123_456);
        add(forged, expected, "forged event without a proof (123,456 fen, no such activity)",
                ghost, "GRANT_PROOF_MISSING");
        TokenIssued huge = forgedEvent(numbers.next(), ACTIVITY + "-formal", 999_999);
        add(forged, expected, "forged event proven with a key that is not ours",
                huge.withGrantProof(foreign.sign(huge.grant())), "GRANT_PROOF_NOT_AUTHENTIC");
        TokenIssued other = forgedEvent(numbers.next(), ACTIVITY + "-formal", 100);
        add(forged, expected, "forged event proven under an unknown key id",
                other.withGrantProof(unknownKey.sign(other.grant())), "GRANT_PROOF_UNKNOWN_KEY");
        TokenIssued lifted = forgedEvent(numbers.next(), ACTIVITY + "-formal", 100);
        add(forged, expected, "a proof lifted onto a raised amount", forgedEvent(
                lifted.outTradeNo(), ACTIVITY + "-formal", 99_900).withGrantProof(
                        leaked.sign(lifted.grant())), "GRANT_PROOF_NOT_AUTHENTIC");
        TokenIssued nowhere = forgedEvent(numbers.next(), "no-such-activity-formal", 100);
        add(forged, expected, "leaked key: an activity that does not exist",
                nowhere.withGrantProof(leaked.sign(nowhere.grant())), "UNKNOWN_ACTIVITY");
        TokenIssued beyond = forgedEvent(numbers.next(), ACTIVITY + "-formal", 999_999);
        add(forged, expected, "leaked key: 999,999 fen on a 100-fen template",
                beyond.withGrantProof(leaked.sign(beyond.grant())), "AMOUNT_OUT_OF_RULE");
        Map<String, String> reasons = publishAndAwaitLetters(topics, forged.values());
        expected.forEach((name, eventId) -> {
            String[] parts = eventId.split("\u0000");
            String reason = reasons.get(parts[0]);
            attempts.add(new Attempt(name, 0, "kafka dead letter", reason, parts[1],
                    parts[1].equals(reason)));
        });
    }

    private static void add(Map<String, TokenIssued> forged, Map<String, String> expected,
            String name, TokenIssued event, String reason) {
        forged.put(event.eventId(), event);
        expected.put(name, event.eventId() + "\u0000" + reason);
    }

    private TokenIssued forgedEvent(String outTradeNo, String activityId, long amountMinor) {
        return new TokenIssued("forged-" + outTradeNo, outTradeNo, "A1_abuse_abuse-1_CASH_FORMAL",
                VICTIM_APP, "A-forger", ACTIVITY, activityId, Stage.FORMAL, "abuse", "abuse-1",
                ACTIVITY + "-cash", ACTIVITY + "-cash", "CASH", Outcome.AWARDED, amountMinor,
                "CNY", Instant.now(), OutTradeNoGenerator.businessDate(outTradeNo), null);
    }

    /** Publishes the events; returns each one's dead-letter reason by eventId, as it came. */
    private Map<String, String> publishAndAwaitLetters(Topics topics,
            Collection<TokenIssued> events) throws Exception {
        Map<String, String> reasons = new LinkedHashMap<>();
        Properties consumerConfig = new Properties();
        consumerConfig.put("bootstrap.servers", info.kafkaBootstrap());
        consumerConfig.put("key.deserializer", ByteArrayDeserializer.class.getName());
        consumerConfig.put("value.deserializer", ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> letters = new KafkaConsumer<>(consumerConfig)) {
            List<TopicPartition> partitions = letters.partitionsFor(
                    topics.tokenIssuedDeadLetter()).stream().map(info -> new TopicPartition(
                            info.topic(), info.partition())).toList();
            letters.assign(partitions);
            letters.seekToEnd(partitions);
            partitions.forEach(letters::position);
            Properties producerConfig = new Properties();
            producerConfig.put("bootstrap.servers", info.kafkaBootstrap());
            producerConfig.put("key.serializer", StringSerializer.class.getName());
            producerConfig.put("value.serializer", ByteArraySerializer.class.getName());
            EventSerde serde = new EventSerde();
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig)) {
                for (TokenIssued event : events) {
                    producer.send(new ProducerRecord<>(topics.tokenIssued(), event.actId(),
                            serde.serialize(event))).get();
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (reasons.size() < events.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> letter : letters.poll(
                        Duration.ofMillis(500))) {
                    String value = letter.value() == null ? ""
                            : new String(letter.value(), StandardCharsets.UTF_8);
                    for (TokenIssued event : events) {
                        if (value.contains("\"eventId\":\"" + event.eventId() + "\"")) {
                            reasons.put(event.eventId(), new String(letter.headers()
                                    .lastHeader("redrain.dlq.reason").value(),
                                    StandardCharsets.UTF_8));
                        }
                    }
                }
            }
        }
        return reasons;
    }

    // ---- sending ------------------------------------------------------------------------------

    /** A request sent byte for byte over a socket, judged as {@link #expect} judges. */
    private void rawExpect(String name, int status, String code, String method, String path,
            String authorization, String body) throws Exception {
        URI uri = URI.create(base);
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(method).append(' ').append(path)
                .append(" HTTP/1.1\r\nHost: ").append(uri.getHost()).append("\r\n")
                .append("Connection: close\r\n");
        if (authorization != null) {
            head.append("Authorization: ").append(authorization).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Type: application/json\r\nContent-Length: ")
                    .append(content.length).append("\r\n");
        }
        head.append("\r\n");
        String response;
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(head.toString().getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(content);
            socket.getOutputStream().flush();
            response = new String(socket.getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8);
        }
        int actual = Integer.parseInt(response.split(" ", 3)[1]);
        Matcher type = Pattern.compile(
                "(?im)^Content-Type:\\s*([^\\r\\n]+)").matcher(response);
        Matcher problem = Pattern.compile(
                "\"code\":\"([A-Z_]+)\"").matcher(response);
        judge(name, status, code, actual, type.find() ? type.group(1) : "",
                problem.find() ? problem.group(1) : null);
    }

    private HttpResponse<String> grabWith(Map<String, Object> overrides) throws Exception {
        Map<String, Object> body = grabBody();
        body.putAll(overrides);
        return appRaw(VICTIM_APP, "POST", "/v1/grab", json(body));
    }

    private HttpResponse<String> grabWithout(String field) throws Exception {
        Map<String, Object> body = grabBody();
        body.remove(field);
        return appRaw(VICTIM_APP, "POST", "/v1/grab", json(body));
    }

    private Map<String, Object> grabBody() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("appId", VICTIM_APP);
        body.put("userId", "abuser-" + nonce().substring(0, 8));
        body.put("activityId", ACTIVITY);
        body.put("sceneId", "abuse");
        body.put("rainId", "abuse-2");
        return body;
    }

    private HttpResponse<String> withdraw(Party who, long amountMinor, String... tokens)
            throws Exception {
        return app(who.app, "POST", "/v1/wallet/" + who.actId + "/withdrawals", Map.of(
                "requestId", "w-" + nonce(), "amountMinor", amountMinor, "tokens",
                List.of(tokens)));
    }

    private HttpResponse<String> app(String app, String method, String path, Object body)
            throws Exception {
        return appRaw(app, method, path, body == null ? new byte[0] : json(body));
    }

    private HttpResponse<String> appRaw(String app, String method, String path, byte[] body)
            throws Exception {
        return retryingOutages(() -> signed(app, secret(app), method, path, path,
                System.currentTimeMillis(), nonce(), body, body));
    }

    /** A call that builds its request afresh (a new nonce and signature) each time. */
    private interface Call {
        HttpResponse<String> send() throws Exception;
    }

    /**
     * Sends again, signed anew, while the service answers 503 (a dependency stalled, nothing
     * changed, retry: as an app does): a stall is not the service's answer to the request.
     */
    private static HttpResponse<String> retryingOutages(Call call) throws Exception {
        HttpResponse<String> response = call.send();
        for (int attempt = 1; attempt < OUTAGE_ATTEMPTS_MAX && response.statusCode() == 503;
                attempt++) {
            Thread.sleep(1_000);
            response = call.send();
        }
        return response;
    }

    /** Signs {@code signedPath} and {@code signedBody}, sends {@code path} and {@code body}. */
    private HttpResponse<String> signed(String app, String secret, String method, String path,
            String signedPath, long timestampMs, String nonce, byte[] signedBody, byte[] body)
            throws Exception {
        return sendSigned(app, method, path, body, timestampMs, nonce, sign(secret, method,
                signedPath, timestampMs, nonce, signedBody));
    }

    private HttpResponse<String> sendSigned(String app, String method, String path, byte[] body,
            long timestampMs, String nonce, String signature) throws Exception {
        return send(method, path, Map.of(RequestSigner.APP_ID, app, RequestSigner.TIMESTAMP,
                Long.toString(timestampMs), RequestSigner.NONCE, nonce, RequestSigner.SIGNATURE,
                signature), body);
    }

    private HttpResponse<String> send(String method, String path, Map<String, String> headers,
            byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> bearer(String token, String method, String path, Object body)
            throws Exception {
        byte[] bytes = body == null ? new byte[0] : json(body);
        return retryingOutages(() -> send(method, path, Map.of("Authorization", "Bearer "
                + token), bytes));
    }

    private static String sign(String secret, String method, String path, long timestampMs,
            String nonce, byte[] body) {
        return RequestSigner.sign(secret, method, path, Long.toString(timestampMs), nonce, body);
    }

    // ---- judging ------------------------------------------------------------------------------

    /**
     * Records one hostile request: it passes only with exactly the expected status and problem
     * code (a 4xx for the wrong reason, or a 429, is a failure), as RFC 9457 problem+json.
     */
    private void expect(String name, int status, String code, HttpResponse<String> response) {
        String type = response.headers().firstValue("Content-Type").orElse("");
        judge(name, status, code, response.statusCode(), type, codeOf(type, response.body()));
    }

    private void judge(String name, int expectedStatus, String expectedCode, int status,
            String type, String code) {
        boolean passed = status == expectedStatus && expectedCode.equals(code)
                && type.startsWith("application/problem+json");
        attempts.add(new Attempt(name, status, type, code, expectedStatus + " " + expectedCode,
                passed));
    }

    private static String codeOf(String type, String body) {
        if (!type.startsWith("application/problem+json")) {
            return null;
        }
        try {
            return StackJson.MAPPER.readTree(body).path("code").asText(null);
        } catch (Exception e) {
            return null;
        }
    }

    private void record(String name, HttpResponse<String> response, boolean passed) {
        attempts.add(new Attempt(name, response.statusCode(), response.headers()
                .firstValue("Content-Type").orElse(""), null, "200", passed));
    }

    private static void print(Report report, PrintStream out) {
        out.println("Abuse suite: " + report.attempts().size() + " hostile requests");
        for (Attempt attempt : report.attempts()) {
            out.printf("  %s %3d %-26s %s%s%n", attempt.passed() ? "ok    " : "FAILED",
                    attempt.status(), attempt.code() == null ? "(no problem code)"
                            : attempt.code(), attempt.name(), attempt.passed() ? ""
                                    : " (expected " + attempt.expected() + ")");
        }
        out.println(report.changes().isEmpty()
                ? "  state unchanged: ledger, accounts, withdrawals, budgets, Redis money keys"
                : "  STATE CHANGED: " + report.changes());
        out.println(report.passed() ? "ABUSE SUITE PASSED" : "ABUSE SUITE FAILED");
    }

    // ---- the state that must not change ------------------------------------------------------

    private Map<String, String> snapshot() throws Exception {
        Map<String, String> state = new TreeMap<>();
        try (Connection connection = connection()) {
            state.put("ledger", new LedgerAudit().fingerprint(connection).toString());
            state.put("withdrawals", new WithdrawalReads().fingerprint(connection).toString());
            AccountReads accounts = new AccountReads();
            state.put("accounts", accounts.accounts(connection) + " accounts, "
                    + accounts.bindings(connection) + " bindings");
            state.put("budget raises", String.valueOf(new BudgetReads().raises(connection)));
            state.put("admin audit", String.valueOf(new AuditReads().entries(connection)));
            state.put("outbox", String.valueOf(new OutboxStore().written(connection)));
            catalog(new CatalogStore().read(connection), state);
        }
        RedisClient redis = RedisClient.create(info.redisUri());
        try (StatefulRedisConnection<String, String> connection = redis.connect()) {
            RedisCommands<String, String> commands = connection.sync();
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = commands.scan(cursor, ScanArgs.Builder.matches(
                        info.namespace() + ":*").limit(1000));
                for (String key : page.getKeys()) {
                    if (!key.contains(":nonce:") && !key.contains(":rate:")) {
                        state.put("redis: " + key, dump(commands, key));
                    }
                }
                cursor = page;
            } while (!cursor.isFinished());
        } finally {
            redis.shutdown();
        }
        return state;
    }

    /** The catalog as its owner reads it: every activity, template and rain, each sorted. */
    private static void catalog(CatalogStore.Snapshot catalog, Map<String, String> state) {
        state.put("catalog: activities", catalog.activities().stream().map(String::valueOf)
                .sorted().toList().toString());
        state.put("catalog: templates", catalog.templates().stream().map(String::valueOf)
                .sorted().toList().toString());
        state.put("catalog: rains", catalog.rains().stream()
                .map(rain -> rain.parentActivityId() + "/" + rain.rainId() + " " + rain.opensAt()
                        + ".." + rain.closesAt() + (rain.cancelled() ? " cancelled " : " ")
                        + new TreeMap<>(rain.awardTypeByScene())).sorted().toList().toString());
    }

    private static String dump(RedisCommands<String, String> commands, String key) {
        return switch (commands.type(key)) {
            case "string" -> commands.get(key);
            case "hash" -> new TreeMap<>(commands.hgetall(key)).toString();
            case "set" -> new TreeSet<>(commands.smembers(key)).toString();
            case "list" -> commands.lrange(key, 0, -1).toString();
            case "zset" -> commands.zrangeWithScores(key, 0, -1).toString();
            default -> "(gone)";
        };
    }

    private static List<String> diff(Map<String, String> before, Map<String, String> after) {
        List<String> changes = new ArrayList<>();
        before.forEach((key, value) -> {
            if (!after.containsKey(key)) {
                changes.add("removed " + key);
            } else if (!after.get(key).equals(value)) {
                changes.add("changed " + key + ": " + abbreviate(value) + " -> "
                        + abbreviate(after.get(key)));
            }
        });
        after.keySet().stream().filter(key -> !before.containsKey(key))
                .forEach(key -> changes.add("added " + key));
        return changes;
    }

    private Connection connection() throws Exception {
        return DriverManager.getConnection(info.jdbcUrl(), info.jdbcUser(),
                System.getenv().getOrDefault("REDRAIN_DB_PASSWORD", ""));
    }

    private String secret(String app) {
        return info.appSecrets().get(app);
    }

    private String nonce() {
        return RequestSigner.nonce();
    }

    private byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static String flip(String token) {
        byte[] bytes = Base64.getUrlDecoder().decode(token);
        bytes[bytes.length / 2] ^= 0x01;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static byte[] json(Object body) throws Exception {
        return StackJson.MAPPER.writeValueAsBytes(body);
    }

    private static String abbreviate(String text) {
        String flat = text.replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "\\0");
        return flat.length() > 40 ? flat.substring(0, 40) + "...(" + flat.length() + ")" : flat;
    }
}
