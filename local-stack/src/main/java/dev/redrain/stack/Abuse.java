package dev.redrain.stack;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redrain.core.signing.RequestSigner;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The abuse suite, against a running stack: hostile requests of every kind an app server, a
 * stolen credential or a curious user could send. Every one must be answered 4xx with an RFC
 * 9457 problem+json body carrying a code, and the ledger, the wallets, the withdrawals, the
 * budgets and every money key in Redis must be the same after as before.
 */
final class Abuse {
    static final String ACTIVITY = "abuse-check";
    private static final String VICTIM_APP = "douyin";
    private static final String ATTACKER_APP = "toutiao";
    private static final List<String> INJECTIONS = List.of(
            "' OR '1'='1' -- ", "x'); DROP TABLE ledger_entry; --", "<script>alert(1)</script>",
            "../../../etc/passwd", "${jndi:ldap://127.0.0.1/x}", "a\r\nX-Injected: 1",
            "a\u0000b", "\u202Egnp.exe", "x".repeat(10_000), "{\"$gt\": \"\"}");

    /** What one hostile request got. */
    record Attempt(String name, int status, String contentType, String code, boolean passed) {
    }

    record Report(List<Attempt> attempts, List<String> changes) {
        boolean passed() {
            return changes.isEmpty() && attempts.stream().allMatch(Attempt::passed);
        }
    }

    private final StackInfo info;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .build();
    private final IssuanceClient client;
    private final String base;
    private final List<Attempt> attempts = new ArrayList<>();
    private final SecureRandom random = new SecureRandom();

    private Abuse(StackInfo info) {
        this.info = info;
        this.client = new IssuanceClient(info.issuanceUrls(), info.appSecrets(),
                info.operatorToken(), Duration.ofSeconds(10), 8);
        this.base = info.issuanceUrls().get(0);
    }

    static Report run(StackInfo info, PrintStream out) throws Exception {
        return new Abuse(info).run(out);
    }

    private Report run(PrintStream out) throws Exception {
        String suffix = Long.toString(System.currentTimeMillis(), 36);
        ensureActivity();
        Party victim = grab(VICTIM_APP, "victim-" + suffix);
        Party attacker = grab(ATTACKER_APP, "attacker-" + suffix);
        String spentRequest = "spent-" + suffix;
        IssuanceClient.Answer spent = client.app(0, ATTACKER_APP, "POST", "/v1/wallet/"
                + attacker.actId + "/withdrawals", Map.of("requestId", spentRequest,
                        "amountMinor", attacker.amountMinor, "tokens", List.of(attacker.token)));
        if (!spent.ok()) {
            throw new StackException("the attacker's own withdrawal failed: " + spent.body());
        }
        awaitBooked(victim, attacker);
        Map<String, String> before = snapshot();
        signatures(victim);
        grabBodies();
        withdrawals(victim, attacker, spentRequest);
        admin();
        protocol();
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
        Thread.sleep(2_000);
    }

    private Party grab(String app, String userId) throws Exception {
        IssuanceClient.Answer answer = client.app(0, app, "POST", "/v1/grab", Map.of("appId",
                app, "userId", userId, "activityId", ACTIVITY, "sceneId", "abuse", "rainId",
                "abuse-1"));
        JsonNode json = answer.json();
        if (!answer.ok() || !"AWARDED".equals(json.path("outcome").asText())) {
            throw new StackException("set-up grab for " + userId + " failed: " + answer.body());
        }
        return new Party(app, userId, json.path("actId").asText(), json.path("token").asText(),
                json.path("award").path("amountMinor").asLong(), json.path("outTradeNo")
                        .asText());
    }

    /** The stream books the set-up tokens asynchronously: wait, so the snapshot is still. */
    private void awaitBooked(Party... parties) throws Exception {
        for (int i = 0; i < 120; i++) {
            int booked = 0;
            try (Connection connection = connection(); Statement statement =
                    connection.createStatement()) {
                for (Party party : parties) {
                    try (ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM"
                            + " ledger_journal WHERE out_trade_no = '" + party.outTradeNo + "'")) {
                        rows.next();
                        booked += rows.getInt(1);
                    }
                }
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
        expect("no signature headers", send("GET", path, Map.of(), none));
        expect("unknown app", signed("ghost-app", secret(VICTIM_APP), "GET", path, path, now,
                nonce(), none, none));
        expect("wrong secret", signed(VICTIM_APP, "not-the-secret-" + nonce(), "GET", path,
                path, now, nonce(), none, none));
        expect("stale timestamp (10 min old)", signed(VICTIM_APP, secret(VICTIM_APP), "GET",
                path, path, now - 600_000, nonce(), none, none));
        expect("future timestamp (+10 min)", signed(VICTIM_APP, secret(VICTIM_APP), "GET",
                path, path, now + 600_000, nonce(), none, none));
        expect("signature of another path", signed(VICTIM_APP, secret(VICTIM_APP), "GET", path,
                "/v1/wallet/someone-else?currency=CNY", now, nonce(), none, none));
        expect("malformed nonce", signed(VICTIM_APP, secret(VICTIM_APP), "GET", path, path, now,
                "../../x", none, none));
        byte[] grab = json(Map.of("appId", VICTIM_APP, "userId", "u-1", "activityId", ACTIVITY,
                "sceneId", "abuse", "rainId", "abuse-2"));
        byte[] changed = json(Map.of("appId", VICTIM_APP, "userId", "u-2", "activityId",
                ACTIVITY, "sceneId", "abuse", "rainId", "abuse-2"));
        expect("body changed after signing", signed(VICTIM_APP, secret(VICTIM_APP), "POST",
                "/v1/grab", "/v1/grab", now, nonce(), grab, changed));
        String nonce = nonce();
        HttpResponse<String> first = signed(VICTIM_APP, secret(VICTIM_APP), "GET", path, path,
                now, nonce, none, none);
        if (first.statusCode() != 200) {
            record("the legitimate read before the replay", first, false);
        }
        expect("replayed request (same nonce)", signed(VICTIM_APP, secret(VICTIM_APP), "GET",
                path, path, now, nonce, none, none));
        HttpResponse<String> truncated = sendSigned(VICTIM_APP, "GET", path, none, now, nonce(),
                sign(secret(VICTIM_APP), "GET", path, now, nonce(), none).substring(0, 20));
        expect("truncated signature", truncated);
    }

    private void grabBodies() throws Exception {
        expect("malformed JSON", appRaw(VICTIM_APP, "POST", "/v1/grab",
                "{\"appId\": \"douyin\", \"userId\":".getBytes(StandardCharsets.UTF_8)));
        expect("oversized JSON (2 MB)", appRaw(VICTIM_APP, "POST", "/v1/grab", json(Map.of(
                "appId", VICTIM_APP, "userId", "u", "activityId", ACTIVITY, "sceneId", "x",
                "rainId", "r", "padding", "x".repeat(2 * 1024 * 1024)))));
        expect("userId a number", grabWith(Map.of("userId", 12345)));
        expect("activityId an array", grabWith(Map.of("activityId", List.of(ACTIVITY))));
        expect("rainId an object", grabWith(Map.of("rainId", Map.of("a", 1))));
        expect("missing userId", grabWithout("userId"));
        expect("missing activityId", grabWithout("activityId"));
        expect("appId of another app in the body", grabWith(Map.of("appId", ATTACKER_APP)));
        expect("unknown activity", grabWith(Map.of("activityId", "no-such-activity")));
        expect("unknown award type", grabWith(Map.of("awardType", "GOLD_BARS")));
        expect("an amount chosen by the client", grabWith(Map.of("amountMinor", 99_999_999)));
        expect("an outcome chosen by the client", grabWith(Map.of("outcome", "AWARDED",
                "templateId", ACTIVITY + "-cash")));
        for (String field : List.of("userId", "activityId", "sceneId", "rainId", "awardType")) {
            for (String injection : INJECTIONS) {
                expect("injection in " + field + ": " + abbreviate(injection),
                        grabWith(Map.of(field, injection)));
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
            expect("withdrawal amount " + (amount instanceof String ? "\"" + amount + "\""
                    : amount), app(ATTACKER_APP, "POST", path, body));
        }
        expect("withdrawal amount overflowing a long", appRaw(ATTACKER_APP, "POST", path,
                ("{\"requestId\":\"ovf-" + nonce() + "\",\"amountMinor\":9223372036854775808,"
                        + "\"tokens\":[]}").getBytes(StandardCharsets.UTF_8)));
        expect("withdrawal amount 1e30", appRaw(ATTACKER_APP, "POST", path, ("{\"requestId\":"
                + "\"big-" + nonce() + "\",\"amountMinor\":1e30,\"tokens\":[]}")
                .getBytes(StandardCharsets.UTF_8)));
        String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(
                randomBytes(Base64.getUrlDecoder().decode(attacker.token).length));
        expect("forged token", withdraw(attacker, 100, forged));
        expect("truncated token", withdraw(attacker, 100, victim.token.substring(0,
                victim.token.length() - 4)));
        expect("token with a flipped byte", withdraw(attacker, 100, flip(attacker.token)));
        expect("another user's token", withdraw(attacker, victim.amountMinor, victim.token));
        expect("replayed token (already withdrawn)", withdraw(attacker, attacker.amountMinor,
                attacker.token));
        expect("the same token twice", withdraw(attacker, 2 * attacker.amountMinor,
                attacker.token, attacker.token));
        expect("more than the wallet holds", withdraw(attacker, 1_000_000));
        expect("requestId reused for another amount", app(ATTACKER_APP, "POST", path, Map.of(
                "requestId", spentRequest, "amountMinor", attacker.amountMinor + 1, "tokens",
                List.of())));
        expect("a non-withdrawable asset", app(ATTACKER_APP, "POST", path, Map.of("requestId",
                "cpn-" + nonce(), "amountMinor", 1, "currency", "CPN", "tokens", List.of())));
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 201; i++) {
            many.add(attacker.token);
        }
        expect("too many tokens", withdraw(attacker, 100, many.toArray(String[]::new)));
        expect("someone else's wallet (not this app's user)", app(ATTACKER_APP, "POST",
                "/v1/wallet/" + victim.actId + "/withdrawals", Map.of("requestId", "steal-"
                        + nonce(), "amountMinor", victim.amountMinor, "tokens", List.of())));
        expect("someone else's wallet read", app(ATTACKER_APP, "GET", "/v1/wallet/"
                + victim.actId + "?currency=CNY", null));
        expect("injection in the wallet currency", app(ATTACKER_APP, "GET", "/v1/wallet/"
                + attacker.actId + "?currency=CNY%27%20OR%201%3D1", null));
        for (String injection : INJECTIONS.subList(0, 5)) {
            expect("injection in requestId: " + abbreviate(injection), app(ATTACKER_APP,
                    "POST", path, Map.of("requestId", injection, "amountMinor", 100, "tokens",
                            List.of())));
        }
    }

    private void admin() throws Exception {
        String budgets = "/admin/activities/" + ACTIVITY + "/budgets";
        expect("admin call signed by an app", appRaw(VICTIM_APP, "GET", budgets, new byte[0]));
        expect("admin call with a made-up token", bearer("made-up-" + nonce(), "GET", budgets,
                null));
        expect("viewer switching the live stage", bearer(info.viewerToken(), "POST",
                "/admin/activities/" + ACTIVITY + "/live-stage", Map.of("stage", "GRAY",
                        "reason", "abuse")));
        expect("viewer raising a budget", bearer(info.viewerToken(), "POST", "/admin/templates/"
                + ACTIVITY + "-cash/budget-raises", Map.of("raiseId", "r-" + nonce(),
                        "addMinor", 100, "reason", "abuse")));
        expect("unknown stage", bearer(info.operatorToken(), "POST", "/admin/activities/"
                + ACTIVITY + "/live-stage", Map.of("stage", "PRODUCTION", "reason", "abuse")));
        expect("negative budget raise", bearer(info.operatorToken(), "POST",
                "/admin/templates/" + ACTIVITY + "-cash/budget-raises", Map.of("raiseId", "neg-"
                        + nonce(), "addMinor", -100, "reason", "abuse")));
        expect("budget raise of an unknown template", bearer(info.operatorToken(), "POST",
                "/admin/templates/no-such-template/budget-raises", Map.of("raiseId", "x-"
                        + nonce(), "addMinor", 100, "reason", "abuse")));
        expect("activity id with an injection", bearer(info.operatorToken(), "POST",
                "/admin/activities", Map.of("activityId", "x'; DROP TABLE activity; --",
                        "name", "x", "startsAt", Instant.now().toString(), "endsAt",
                        Instant.now().plusSeconds(60).toString(), "reason", "abuse")));
        expect("unknown switch", bearer(info.operatorToken(), "PUT", "/admin/switches/"
                + "drop-all-tables", Map.of("on", true, "reason", "abuse")));
    }

    private void protocol() throws Exception {
        expect("unknown route", appRaw(VICTIM_APP, "GET", "/v1/money-printer", new byte[0]));
        expect("wrong method", appRaw(VICTIM_APP, "GET", "/v1/grab", new byte[0]));
        HttpRequest text = HttpRequest.newBuilder(URI.create(base + "/v1/grab"))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("grab please")).build();
        expect("wrong content type, unsigned", http.send(text,
                HttpResponse.BodyHandlers.ofString()));
    }

    // ---- sending ------------------------------------------------------------------------------

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
        return signed(app, secret(app), method, path, path, System.currentTimeMillis(),
                nonce(), body, body);
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
        return send(method, path, Map.of("X-App-Id", app, "X-Timestamp",
                Long.toString(timestampMs), "X-Nonce", nonce, "X-Signature", signature), body);
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
        return send(method, path, Map.of("Authorization", "Bearer " + token),
                body == null ? new byte[0] : json(body));
    }

    private static String sign(String secret, String method, String path, long timestampMs,
            String nonce, byte[] body) {
        return RequestSigner.sign(secret, method, path, Long.toString(timestampMs), nonce, body);
    }

    // ---- judging ------------------------------------------------------------------------------

    private void expect(String name, HttpResponse<String> response) {
        String type = response.headers().firstValue("Content-Type").orElse("");
        boolean problem = type.startsWith("application/problem+json");
        String code = null;
        if (problem) {
            try {
                code = IssuanceClient.JSON.readTree(response.body()).path("code").asText(null);
            } catch (Exception e) {
                code = null;
            }
        }
        boolean passed = response.statusCode() >= 400 && response.statusCode() < 500 && problem
                && code != null;
        attempts.add(new Attempt(name, response.statusCode(), type, code, passed));
    }

    private void record(String name, HttpResponse<String> response, boolean passed) {
        attempts.add(new Attempt(name, response.statusCode(), response.headers()
                .firstValue("Content-Type").orElse(""), null, passed));
    }

    private static void print(Report report, PrintStream out) {
        out.println("Abuse suite: " + report.attempts().size() + " hostile requests");
        for (Attempt attempt : report.attempts()) {
            out.printf("  %s %3d %-26s %s%n", attempt.passed() ? "ok    " : "FAILED",
                    attempt.status(), attempt.code() == null ? "(no problem code)"
                            : attempt.code(), attempt.name());
        }
        out.println(report.changes().isEmpty()
                ? "  state unchanged: ledger, accounts, withdrawals, budgets, Redis money keys"
                : "  STATE CHANGED: " + report.changes());
        out.println(report.passed() ? "ABUSE SUITE PASSED" : "ABUSE SUITE FAILED");
    }

    // ---- the state that must not change ------------------------------------------------------

    private Map<String, String> snapshot() throws Exception {
        Map<String, String> state = new TreeMap<>();
        try (Connection connection = connection(); Statement statement =
                connection.createStatement()) {
            for (String query : List.of(
                    "SELECT COUNT(*), COALESCE(SUM(amount_minor), 0), COALESCE(MAX(entry_id), 0)"
                            + " FROM ledger_entry",
                    "SELECT COUNT(*), COALESCE(MAX(journal_id), 0) FROM ledger_journal",
                    "SELECT account_code, balance_minor FROM ledger_account ORDER BY"
                            + " account_code",
                    "SELECT withdrawal_id, status, amount_minor FROM wallet_withdrawal ORDER BY"
                            + " withdrawal_id",
                    "SELECT template_id, budget_minor, version FROM reward_template ORDER BY"
                            + " template_id",
                    "SELECT activity_id, status, live_stage, ends_at FROM activity ORDER BY"
                            + " activity_id",
                    "SELECT COUNT(*) FROM unified_account",
                    "SELECT COUNT(*) FROM account_binding",
                    "SELECT COUNT(*) FROM budget_raise",
                    "SELECT COUNT(*) FROM outbox")) {
                try (ResultSet rows = statement.executeQuery(query)) {
                    state.put("mysql: " + query, rows(rows));
                }
            }
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

    private static String dump(RedisCommands<String, String> commands, String key) {
        return switch (commands.type(key)) {
            case "string" -> commands.get(key);
            case "hash" -> new TreeMap<>(commands.hgetall(key)).toString();
            case "set" -> new java.util.TreeSet<>(commands.smembers(key)).toString();
            case "list" -> commands.lrange(key, 0, -1).toString();
            case "zset" -> commands.zrangeWithScores(key, 0, -1).toString();
            default -> "(gone)";
        };
    }

    private static String rows(ResultSet rows) throws Exception {
        StringBuilder text = new StringBuilder();
        ResultSetMetaData meta = rows.getMetaData();
        while (rows.next()) {
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                text.append(rows.getString(i)).append(i < meta.getColumnCount() ? "," : ";");
            }
        }
        return text.toString();
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
        return IssuanceClient.nonce();
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
        return IssuanceClient.JSON.writeValueAsBytes(body);
    }

    private static String abbreviate(String text) {
        String flat = text.replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "\\0");
        return flat.length() > 40 ? flat.substring(0, 40) + "...(" + flat.length() + ")" : flat;
    }
}
