package dev.redrain.stack.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redrain.stack.Stack;
import dev.redrain.stack.TestStacks;
import dev.redrain.stack.channel.PaymentChannel;
import dev.redrain.stack.load.Festival;
import dev.redrain.stack.load.RainOptions;
import dev.redrain.stack.run.StackJson;
import dev.redrain.testsupport.Chromium;
import dev.redrain.testsupport.MonitoringFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The local stack end to end, as {@code ./redrain demo} runs it (real MariaDB, Redis, a Kafka
 * broker process, the issuance service's jar, both Flink jobs, the settlement's jar): a small
 * rain conserves money to the fen; with faults injected, every difference is a break the
 * settlement names; the dashboard, loaded in headless Chromium during the rain, shows figures
 * that move and agree with its API and with the issuance service's.
 */
class LocalStackITCase {
    private static final String FORMAL_CASH = Festival.ACTIVITY_ID + "-formal-cash";
    private static final Path BUILD = Path.of(System.getProperty("redrain.home", "."))
            .resolve("local-stack").resolve("target");

    @Test
    void aSmallDemoConservesMoneyAndTheDashboardFollowsTheRain() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        try (Stack stack = Stack.start(TestStacks.settings("ls_demo_clean",
                PaymentChannel.Knobs.none(), false, 1), out)) {
            CompletableFuture<Demo.Outcome> demo = CompletableFuture.supplyAsync(() -> {
                try {
                    return new Demo(stack, out).run(rain(400, 80, 20, 2), Demo.Faults.none(),
                            0.2);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                dashboardFollowsTheRain(stack);
            } catch (AssertionError e) {
                demo.join();
                throw new AssertionError(e.getMessage() + "\n--- the demo's output ---\n"
                        + log.toString(StandardCharsets.UTF_8), e);
            }
            Demo.Outcome outcome = demo.get();
            Summary summary = outcome.summary();
            // Every check prints the demo's whole output when it fails (CI shows nothing else).
            String why = log.toString(StandardCharsets.UTF_8);
            assertThat(summary.problems()).as(why).isEmpty();
            assertThat(summary.breaksByCategory()).as(why).isEmpty();
            long cashGranted = summary.granted().get("CNY")[1];
            assertThat(cashGranted).as(why).isPositive();
            assertThat(summary.received().get("CNY")[1]).as(why).isEqualTo(cashGranted);
            assertThat(summary.credited().get("CNY")[1]).as(why).isEqualTo(cashGranted);
            assertThat(summary.funded().get("CNY")[1]).as(why).isEqualTo(cashGranted);
            assertThat(summary.payoutsStatedMinor()).as(why)
                    .isEqualTo(summary.withdrawalsPaidMinor()).isPositive();
            // The formal cash budget ran out mid-rain and the coupons took over.
            assertThat(summary.granted().get("CPN")[0]).as(why).isPositive();
            assertThat(outcome.rain().outcomes()).as(why).containsKeys("AWARDED", "FALLBACK");
            assertThat(outcome.rain().idempotencyViolations()).as(why).isZero();
            assertThat(outcome.rain().serverErrors()).as(why).isZero();
            assertThat(outcome.rain().timeouts()).as(why).isZero();
            assertThat(summary.alertsByRule()).as(why).containsKey("THRESHOLD");
            assertThat(Path.of(summary.reportPath())).as(why).isRegularFile();
            settlementShowsOnTheDashboard(stack);
            flinkExportsWhatTheRulesAndTheDashboardName(stack);
            lineageFollowsAPaidTokenThroughEveryStore(stack);
            financeSignsTheReportTheSettlementWrote(stack, Path.of(summary.reportPath()));
        } finally {
            TestStacks.dropDatabase("ls_demo_clean");
        }
    }

    @Test
    void faultsAreNamedAsBreaksAndNothingIsLost() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        PaymentChannel.Knobs knobs = new PaymentChannel.Knobs(0.02, 0.02, 0.1, 7)
                .withLostPayoutAnswers(0.3);
        try (Stack stack = Stack.start(TestStacks.settings("ls_demo_faults", knobs, false, 1),
                out)) {
            Demo.Outcome outcome = new Demo(stack, out).run(rain(300, 60, 24, 2),
                    new Demo.Faults(4, 6, 15), 0.3);
            Summary summary = outcome.summary();
            String why = log.toString(StandardCharsets.UTF_8);
            assertThat(summary.problems()).as(why).isEmpty();
            assertThat(outcome.faultsInjected()).as(why).anyMatch(f -> f.startsWith("Kafka"))
                    .anyMatch(f -> f.startsWith("credit job restarted from chk-"));
            assertThat(summary.injectedFaults()).isPositive();
            assertThat(summary.breaksByCategory().values().stream().mapToLong(Long::longValue)
                    .sum()).isEqualTo(summary.injectedFaults());
            assertThat(summary.missedFaults()).isEmpty();
            assertThat(summary.unexplainedBreaks()).isEmpty();
            long cashGranted = summary.granted().get("CNY")[1];
            assertThat(summary.received().get("CNY")[1]).isEqualTo(cashGranted);
            assertThat(summary.credited().get("CNY")[1]).isEqualTo(cashGranted);
            assertThat(outcome.rain().idempotencyViolations()).isZero();
            assertThat(outcome.withdrawals().byStatus()).containsKey("PAYOUT_FAILED")
                    .as("answers lost: DEBITED when answered").containsKey("DEBITED");
            // ... and resolved before the night: a payout paid twice or left unknown would be
            // a break no fault explains.
            assertThat(stack.channel().lostPayoutAnswers()).isPositive();
            try (var connection = stack.dataSource().getConnection()) {
                assertThat(new dev.redrain.issuance.wallet.WithdrawalReads().awaitingChannel(
                        connection)).isZero();
            }
        } finally {
            TestStacks.dropDatabase("ls_demo_faults");
        }
    }

    private void dashboardFollowsTheRain(Stack stack) throws Exception {
        Chromium chromium = Chromium.find();
        awaitGrabs(stack, 50);
        // What the dashboard served near the rain's start: the page must show more than it.
        long early = answered(api(stack, "/api/ops?seq=" + stack.ops().latest().seq()));
        long grantedBefore = adminGranted(stack);
        // The dashboard shows its latest snapshot, taken about once a second (slower on a busy
        // machine): wait for one surely taken after the reading above (two on from the latest
        // now), or the page may rightly show less than that reading.
        long fresh = stack.ops().latest().seq() + 2;
        awaitSnapshot(stack, fresh);
        Page first = load(chromium, stack);
        long grantedAfter = adminGranted(stack);
        String page = "page " + first + ", issuance API granted " + grantedBefore + " before, "
                + grantedAfter + " after";
        assertThat(first.seq).as(page).isGreaterThanOrEqualTo(fresh);
        JsonNode shown = api(stack, "/api/ops?seq=" + first.seq);
        assertThat(first.awarded).as(page)
                .isEqualTo(shown.path("grabsTotal").path("AWARDED").asLong());
        assertThat(first.credited).as(page).isEqualTo(shown.path("creditedTokens").asLong());
        assertThat(first.formalCashGranted).as(page).isEqualTo(grantedOf(shown));
        // The page's figure lies between the issuance API's readings before and after it.
        assertThat(first.formalCashGranted).as(page).isBetween(grantedBefore, grantedAfter);
        assertThat(first.answered()).as(page + ", " + early + " grabs answered near the start")
                .isGreaterThan(early);
        Thread.sleep(3_000);
        Path screenshot = BUILD.resolve("dashboard.png");
        Files.deleteIfExists(screenshot);
        Page second = load(chromium, stack);
        // The rain (20 s) may be over by now on a slow machine: the page still refreshes.
        assertThat(second.seq).as(second + " after " + first).isGreaterThan(first.seq);
        assertThat(second.answered()).as(second + " after " + first)
                .isGreaterThanOrEqualTo(first.answered());
        chromium.run("--screenshot=" + screenshot.toAbsolutePath(), "--window-size=1400,1100",
                "--virtual-time-budget=4000", stack.info().dashboardUrl() + "/");
        assertThat(screenshot).isRegularFile();
        assertThat(Files.size(screenshot)).isGreaterThan(10_000);
    }

    /**
     * The Flink rules and dashboard (ops/) against the stack's own Prometheus reporter: every
     * flink_ metric they name is one the running jobs export.
     */
    private static void flinkExportsWhatTheRulesAndTheDashboardName(Stack stack)
            throws Exception {
        List<String> queries = new ArrayList<>();
        MonitoringFiles.rules("redrain-flink-rules.yml").forEach(rule -> queries.add(
                rule.expr()));
        queries.addAll(MonitoringFiles.dashboardQueries("redrain-flink.json"));
        Set<String> named = MonitoringFiles.named(queries, Pattern
                .compile("\\b(flink_[A-Za-z0-9_]+)\\b"));
        assertThat(named).contains("flink_taskmanager_job_task_operator_endToEndLagMs",
                "flink_taskmanager_job_task_operator_deadLettered",
                "flink_jobmanager_job_numRestarts");
        String scrape = HttpClient.newHttpClient().send(HttpRequest
                .newBuilder(URI.create(stack.flink().metricsUrl())).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(MonitoringFiles.scraped(scrape)).as("the Flink reporter's scrape")
                .containsAll(named);
        // The reporter turns a label value's hyphens into underscores: the rules match on that.
        assertThat(scrape).contains("job_name=\"redrain_realtime_credit\"")
                .contains("job_name=\"redrain_budget_monitor\"");
        for (String jobName : List.of("redrain_realtime_credit", "redrain_budget_monitor")) {
            assertThat(String.join("\n", queries)).contains("\"" + jobName + "\"");
        }
    }

    private void settlementShowsOnTheDashboard(Stack stack) throws Exception {
        Chromium chromium = Chromium.find();
        String dom = chromium.run("--virtual-time-budget=4000", "--dump-dom",
                stack.info().dashboardUrl() + "/").stdout();
        // The rate chart has its axes: the scale's top in grabs per second, and the time.
        assertThat(dom).containsPattern("id=\"rate-axis-max\"[^>]*>[0-9]+/s<")
                .contains(">120 s ago<").contains(">now<");
        assertThat(dom).contains("data-status=\"COMPLETED\"").contains("href=\"/report\"")
                .contains("href=\"" + stack.info().issuanceUrls().get(0) + "/finance/\"");
        // An instant with its zone, next to the business date named as one.
        assertThat(dom).containsPattern("business date [0-9-]{10}: COMPLETED at"
                + " [0-9-]{10} [0-9:]{8} UTC").contains("open by age (days): ");
        // An alert names the switch on-call would flip: the parent's, not its stage's.
        assertThat(dom).contains("data-switch=\"fallback-only:" + Festival.ACTIVITY_ID + "\"");
        assertThat(dom).contains("data-rule=\"THRESHOLD\"")
                .contains(stack.info().dashboardUrl() + "/runbooks/budget-alert.md");
        HttpResponse<String> runbook = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(stack.info().dashboardUrl() + "/runbooks/budget-alert.md")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(runbook.statusCode()).isEqualTo(200);
        assertThat(runbook.headers().firstValue("Content-Type")).get().asString()
                .startsWith("text/html");
        // The alert's link (#threshold) lands on its section.
        assertThat(runbook.body()).contains("<h2 id=\"threshold\">THRESHOLD");
    }

    /**
     * One withdrawn cash token's lineage, through the issuance API: issued, credited, funded,
     * withdrawn and paid, and each hop is read back from the store it names.
     */
    private void lineageFollowsAPaidTokenThroughEveryStore(Stack stack) throws Exception {
        JsonNode lineage = null;
        for (String outTradeNo : paidWalletsFirstCredits(stack)) {
            JsonNode candidate = stack.client().adminOk("GET", "/admin/lineage/" + outTradeNo,
                    null);
            if (candidate.path("reached").toString().contains("PAID")) {
                lineage = candidate;
                break;
            }
        }
        assertThat(lineage).as("a token spent by a paid withdrawal").isNotNull();
        String why = lineage.toPrettyString();
        String outTradeNo = lineage.get("outTradeNo").asText();
        assertThat(lineage.get("reached").toString()).as(why)
                .isEqualTo("[\"ISSUED\",\"CREDITED\",\"FUNDED\",\"WITHDRAWN\",\"PAID\"]");
        Map<String, JsonNode> hops = new java.util.LinkedHashMap<>();
        lineage.get("hops").forEach(hop -> hops.putIfAbsent(hop.get("hop").asText(), hop));
        assertThat(hops).as(why).containsKeys("GRAB_ANSWER", "REDIS_TOKEN", "TOKEN_ISSUED",
                "LEDGER_CREDIT", "TOKEN_CREDITED", "FUNDING_LINE", "WITHDRAWAL_DEBIT",
                "WITHDRAWAL", "PAYOUT_LINE");
        assertThat(kafkaRecordAt(stack, hops.get("TOKEN_ISSUED").get("where").asText()))
                .as(why).contains(outTradeNo);
        assertThat(kafkaRecordAt(stack, hops.get("TOKEN_CREDITED").get("where").asText()))
                .as(why).contains(outTradeNo);
        Path statements = stack.channel().statementDirectory();
        assertThat(statementLineAt(statements, hops.get("FUNDING_LINE").get("where").asText()))
                .as(why).contains(outTradeNo);
        String payout = hops.get("WITHDRAWAL").path("facts").path("payoutOutTradeNo").asText();
        assertThat(statementLineAt(statements, hops.get("PAYOUT_LINE").get("where").asText()))
                .as(why).contains(payout);
        try (var redis = io.lettuce.core.RedisClient.create(stack.info().redisUri())
                .connect()) {
            assertThat(redis.sync().hget(hops.get("REDIS_TOKEN").get("where").asText(),
                    "outTradeNo")).as(why).isEqualTo(outTradeNo);
        }
        assertThat(lineage.get("searches")).as(why).allSatisfy(search -> assertThat(search
                .get("complete").asBoolean()).isTrue());
    }

    /**
     * A finance reviewer signs the night through the API, bound to the SHA-256 of the very
     * report.html the settlement wrote on disk; a second reviewer cannot sign it again.
     */
    private void financeSignsTheReportTheSettlementWrote(Stack stack, Path report)
            throws Exception {
        String date = report.getParent().getFileName().toString();
        String reviewer = stack.info().financeTokens().get("finance-1");
        JsonNode night = finance(stack, reviewer, "GET", "/admin/finance/nights/" + date, null,
                200);
        JsonNode last = night.get("runs").get(night.get("runs").size() - 1);
        String onDisk = java.util.HexFormat.of().formatHex(java.security.MessageDigest
                .getInstance("SHA-256").digest(Files.readAllBytes(report)));
        assertThat(last.get("reportSha256").asText()).as(night.toPrettyString())
                .isEqualTo(onDisk);
        for (JsonNode unreviewed : finance(stack, reviewer, "GET", "/admin/finance/breaks?date="
                + date + "&state=NEW", null, 200)) {
            finance(stack, reviewer, "POST", "/admin/finance/breaks/" + unreviewed.get(
                    "breakId").asLong() + "/acknowledge", "{\"note\":\"seen in the demo\"}",
                    200);
        }
        String signOff = "{\"runId\":" + last.get("runId").asLong() + ",\"reportSha256\":\""
                + onDisk + "\",\"note\":\"demo night reviewed\"}";
        JsonNode signed = finance(stack, reviewer, "POST", "/admin/finance/nights/" + date
                + "/sign-off", signOff, 200);
        assertThat(signed.at("/signOff/signedBy").asText()).isEqualTo("finance-1");
        JsonNode again = finance(stack, stack.info().financeTokens().get("finance-2"), "POST",
                "/admin/finance/nights/" + date + "/sign-off", signOff, 409);
        assertThat(again.get("code").asText()).isEqualTo("NIGHT_SIGNED");
        String dom = "";
        for (int attempt = 0; attempt < 10 && !dom.contains("data-signed=\"true\""); attempt++) {
            Thread.sleep(1_000); // the dashboard's next snapshot
            dom = Chromium.find().run("--virtual-time-budget=3000", "--dump-dom",
                    stack.info().dashboardUrl() + "/").stdout();
        }
        assertThat(dom).containsPattern("signed off by finance-1 at [0-9-]{10} [0-9:]{8} UTC");
    }

    private static JsonNode finance(Stack stack, String token, String method, String path,
            String json, int expectedStatus) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(stack.info().issuanceUrls().get(0) + path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body())
                .isEqualTo(expectedStatus);
        return StackJson.MAPPER.readTree(response.body());
    }

    /** Each wallet with a paid withdrawal, its first cash credit: FIFO spends it first. */
    private static java.util.List<String> paidWalletsFirstCredits(Stack stack)
            throws Exception {
        java.util.List<String> outTradeNos = new ArrayList<>();
        try (var connection = java.sql.DriverManager.getConnection(stack.info().jdbcUrl(),
                stack.info().jdbcUser(), dev.redrain.testsupport.TestServices.databasePassword());
                var rows = connection.createStatement().executeQuery("SELECT MIN(j.out_trade_no)"
                        + " FROM ledger_journal j WHERE j.journal_type = 'TOKEN_CREDIT' AND"
                        + " j.currency = 'CNY' AND j.act_id IN (SELECT act_id FROM"
                        + " wallet_withdrawal WHERE status = 'PAID') GROUP BY j.act_id LIMIT 20")) {
            while (rows.next()) {
                outTradeNos.add(rows.getString(1));
            }
        }
        return outTradeNos;
    }

    private static String kafkaRecordAt(Stack stack, String where) {
        Matcher at = Pattern.compile("(.+)-(\\d+)@(\\d+)").matcher(where);
        assertThat(at.matches()).as(where).isTrue();
        var partition = new org.apache.kafka.common.TopicPartition(at.group(1),
                Integer.parseInt(at.group(2)));
        var config = new java.util.Properties();
        config.put("bootstrap.servers", stack.info().kafkaBootstrap());
        config.put("isolation.level", "read_committed");
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(
                config, new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            consumer.assign(java.util.List.of(partition));
            consumer.seek(partition, Long.parseLong(at.group(3)));
            for (int poll = 0; poll < 20; poll++) {
                for (var record : consumer.poll(java.time.Duration.ofMillis(250))) {
                    return new String(record.value(), StandardCharsets.UTF_8);
                }
            }
        }
        throw new AssertionError("no record at " + where);
    }

    /** The text of {@code file:line} in the statement folder, unzipped when it is gzip. */
    private static String statementLineAt(Path statements, String where) throws Exception {
        int colon = where.lastIndexOf(':');
        Path file = statements.resolve(where.substring(0, colon));
        int line = Integer.parseInt(where.substring(colon + 1));
        java.io.InputStream in = Files.newInputStream(file);
        if (file.toString().endsWith(".gz")) {
            in = new java.util.zip.GZIPInputStream(in);
        }
        try (var reader = new java.io.BufferedReader(new java.io.InputStreamReader(in,
                StandardCharsets.UTF_8))) {
            java.util.List<String> lines = reader.lines().toList();
            assertThat(line).as(where).isBetween(1, lines.size());
            return lines.get(line - 1);
        }
    }

    /** What the rendered page shows. */
    private record Page(long seq, long awarded, long fallback, long empty, long credited,
            long formalCashGranted) {
        /** Every grab answered, EMPTY included: once both budgets are gone only EMPTY grows. */
        long answered() {
            return awarded + fallback + empty;
        }
    }

    private static Page load(Chromium chromium, Stack stack) throws Exception {
        String dom = chromium.run("--virtual-time-budget=3000", "--dump-dom",
                stack.info().dashboardUrl() + "/").stdout();
        return new Page(number(dom, "<body[^>]*data-seq=\"(\\d+)\""),
                number(dom, "id=\"grabs-total-AWARDED\">(\\d+)<"),
                optional(dom, "id=\"grabs-total-FALLBACK\">(\\d+)<"),
                optional(dom, "id=\"grabs-total-EMPTY\">(\\d+)<"),
                number(dom, "id=\"credited\">(\\d+)<"),
                number(dom, "data-template=\"" + FORMAL_CASH + "\">.*?class=\"granted\""
                        + " data-minor=\"(\\d+)\""));
    }

    private static long number(String dom, String regex) {
        Matcher matcher = Pattern.compile(regex, Pattern.DOTALL).matcher(dom);
        assertThat(matcher.find()).as("the page shows " + regex + ":\n" + dom).isTrue();
        return Long.parseLong(matcher.group(1));
    }

    private static long optional(String dom, String regex) {
        Matcher matcher = Pattern.compile(regex, Pattern.DOTALL).matcher(dom);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
    }

    private static long answered(JsonNode snapshot) {
        JsonNode totals = snapshot.path("grabsTotal");
        return totals.path("AWARDED").asLong() + totals.path("FALLBACK").asLong()
                + totals.path("EMPTY").asLong();
    }

    private static long grantedOf(JsonNode snapshot) {
        for (JsonNode activity : snapshot.path("activities")) {
            for (JsonNode template : activity.path("templates")) {
                if (template.path("templateId").asText().equals(FORMAL_CASH)) {
                    return template.path("grantedMinor").asLong();
                }
            }
        }
        throw new AssertionError("no " + FORMAL_CASH + " in " + snapshot);
    }

    private static long adminGranted(Stack stack) throws Exception {
        JsonNode budgets = stack.client().adminOk("GET", "/admin/activities/"
                + Festival.ACTIVITY_ID + "/budgets", null);
        for (JsonNode template : budgets.path("templates")) {
            if (template.path("templateId").asText().equals(FORMAL_CASH)) {
                return template.path("grantedMinor").asLong();
            }
        }
        throw new AssertionError("no " + FORMAL_CASH);
    }

    private static void awaitGrabs(Stack stack, long atLeast) throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            Map<String, Long> totals = stack.ops().latest().grabsTotal();
            if (totals.getOrDefault("AWARDED", 0L) >= atLeast && adminGrantedQuietly(stack) > 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the rain did not start within 60 s");
    }

    private static void awaitSnapshot(Stack stack, long seq) throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            if (stack.ops().latest().seq() >= seq) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the dashboard took no snapshot " + seq + " within 30 s");
    }

    private static long adminGrantedQuietly(Stack stack) {
        try {
            return adminGranted(stack);
        } catch (Exception | AssertionError e) {
            return 0;
        }
    }

    private static JsonNode api(Stack stack, String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(stack.info().dashboardUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return StackJson.MAPPER.readTree(response.body());
    }

    private static RainOptions rain(int users, double rate, int seconds, int rains) {
        RainOptions options = new RainOptions();
        options.users = users;
        options.rate = rate;
        options.durationSeconds = seconds;
        options.rains = rains;
        options.apps = 8;
        options.seed = 42;
        return options;
    }
}
