package dev.redrain.stack.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redrain.core.ledger.LedgerReads;
import dev.redrain.core.outbox.OutboxStore;
import dev.redrain.settlement.SettlementReads;
import dev.redrain.stack.Stack;
import dev.redrain.stack.load.Festival;
import dev.redrain.stack.load.IssuanceClient;
import dev.redrain.stack.load.Rain;
import dev.redrain.stack.load.RainOptions;
import dev.redrain.stack.load.Withdrawals;
import dev.redrain.stack.ops.Progress;
import dev.redrain.stack.run.ChildJvm;
import dev.redrain.stack.run.Settlement;
import dev.redrain.stack.run.StackException;
import dev.redrain.stack.run.StackSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The chaos suite: a rain on a faultable stack (two issuance instances, an embedded Redis it
 * may restart empty, MySQL behind a latency proxy) while faults strike one after another on a
 * schedule drawn from the seed: the credit job killed and restarted from its checkpoint, Redis
 * restarted empty (then rebuilt, as on-call would), the Kafka broker stopped for tens of
 * seconds, an issuance instance killed (SIGKILL) and restarted, MySQL slowed. Then it waits for
 * the system to settle, runs the settlement (repairs included) and checks that money was
 * conserved. The same seed draws the same schedule.
 */
public final class Chaos {
    static final Duration TROUBLE_GRACE = Duration.ofSeconds(15);
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(4);
    private static final Duration QUIET = Duration.ofSeconds(20);

    enum Kind { CREDIT_JOB_KILL, REDIS_RESTART_EMPTY, KAFKA_STOP, ISSUANCE_KILL, MYSQL_SLOW }

    /** One scheduled fault: when it starts (ms into the rain) and how long it lasts. */
    record Fault(Kind kind, long atMs, long lengthMs, int parameter) {
    }

    /** A fault as it happened: from its start to the system being whole again. */
    record Struck(Kind kind, long fromMs, long toMs, String detail) {
    }

    /** One invariant and whether it held. */
    record Check(String name, boolean held, String detail) {
    }

    public record Settings(long seed, Duration duration, int faults, int users, double rate) {
    }

    public record Report(Settings settings, List<Struck> struck, long taps, Map<String, Long> outcomes,
            long tokensReceived, int leftToRepair, List<Check> checks, Summary summary) {
        public boolean held() {
            return checks.stream().allMatch(Check::held);
        }
    }

    /** How long on-call follows a rebuild (calls made again included) before giving up. */
    private static final Duration REBUILD_MAX = Duration.ofMinutes(3);

    private final Stack stack;
    private final PrintStream out;
    private final List<Struck> struck = new CopyOnWriteArrayList<>();

    public Chaos(Stack stack, PrintStream out) {
        this.stack = stack;
        this.out = out;
    }

    /** The schedule: every kind at least once when there are enough faults, then at random. */
    static List<Fault> schedule(Settings settings, int instances) {
        Random random = new Random(settings.seed());
        List<Kind> kinds = new ArrayList<>();
        for (int i = 0; i < settings.faults(); i++) {
            kinds.add(i < Kind.values().length ? Kind.values()[i]
                    : Kind.values()[random.nextInt(Kind.values().length)]);
        }
        Collections.shuffle(kinds, random);
        long usableMs = settings.duration().toMillis() - 10_000;
        long slotMs = Math.max(5_000, usableMs / Math.max(1, settings.faults()));
        List<Fault> faults = new ArrayList<>();
        for (int i = 0; i < kinds.size(); i++) {
            long atMs = 5_000 + i * slotMs + random.nextInt((int) Math.max(1, slotMs / 5));
            long roomMs = Math.max(2_000, slotMs * 3 / 5);
            long lengthMs = switch (kinds.get(i)) {
                case KAFKA_STOP -> Math.min(roomMs, 10_000 + random.nextInt(20_000));
                case MYSQL_SLOW -> Math.min(roomMs, 5_000 + random.nextInt(10_000));
                case REDIS_RESTART_EMPTY, ISSUANCE_KILL -> Math.min(roomMs,
                        2_000 + random.nextInt(5_000));
                case CREDIT_JOB_KILL -> 0;
            };
            int parameter = switch (kinds.get(i)) {
                case MYSQL_SLOW -> 50 + random.nextInt(250);
                case ISSUANCE_KILL -> random.nextInt(Math.max(1, instances));
                default -> 0;
            };
            faults.add(new Fault(kinds.get(i), atMs, lengthMs, parameter));
        }
        return faults;
    }

    public Report run(Settings settings) throws Exception {
        IssuanceClient client = stack.client();
        String activity = Festival.ACTIVITY_ID;
        RainOptions shape = new RainOptions();
        shape.users = settings.users();
        shape.rate = settings.rate();
        shape.durationSeconds = (int) settings.duration().toSeconds();
        shape.rains = Math.max(2, shape.durationSeconds / 30);
        long expected = shape.expectedFormalGrabs() * shape.rains / Math.max(1, shape.rains - 1);
        Festival.Plan plan = Festival.seed(client, activity, expected, 0.6,
                settings.duration());
        Festival.switchStage(client, activity, "FORMAL");
        Festival.awaitStage(client, activity, "FORMAL", Duration.ofSeconds(10));
        Thread.sleep(1_500);
        List<Fault> schedule = schedule(settings, stack.issuanceInstances().size());
        out.println("chaos seed " + settings.seed() + ": " + schedule.size() + " faults in "
                + settings.duration().toSeconds() + " s: " + schedule);
        Rain rain = new Rain(new Rain.Settings(activity, "main", "user-", settings.users(),
                settings.rate(), settings.duration(), shape.rains, settings.seed(),
                StackSettings.APPS), client);
        CompletableFuture<Void> faults = CompletableFuture.runAsync(() -> strike(schedule,
                rain));
        try (Progress progress = new Progress(out, rain, stack.ops()::latest)) {
            rain.run(index -> { });
        }
        faults.get();
        out.println("rain over: " + rain.outcomes());
        int unanswered = rain.askAgainUnanswered(Rain.ASK_AGAIN_MAX);
        out.println(rain.askedAgainSummary());
        Withdrawals.Result withdrawals = Withdrawals.run(rain, 0.1, settings.seed(),
                "CNY");
        out.println("withdrawals: " + withdrawals.byStatus());
        List<Rain.Received> tokens = new ArrayList<>(rain.tokens().values());
        Set<String> uncredited = drain(tokens);
        LocalDate today = LocalDate.now(ZoneId.of(stack.info().businessZone()));
        Path run = Path.of(stack.info().runDirectory());
        stack.channel().writeStatement(today, run.resolve("statements"));
        int exit = Settlement.run(stack.settings(), stack.info(),
                stack.services().database().password(), today, false,
                run.resolve("statements"), run.resolve("reports"), withRepairGrace(
                        stack.channel().settlementArguments()));
        out.println("settlement of " + today + ": exit " + exit);
        GrantRecord granted = GrantRecord.read(stack.info(), stack.dataSource());
        Summary summary = Summary.collect(stack.dataSource(), granted.byCurrency(), tokens,
                stack.channel(), today, exit, Set.of("CNY"));
        List<Check> checks = check(plan, rain, tokens, granted, unanswered, summary, today);
        Report report = new Report(settings, List.copyOf(struck), rain.taps(), rain.outcomes(),
                tokens.size(), uncredited.size(), checks, summary);
        print(report);
        return report;
    }

    /** Strikes the faults one after another at their times; each ends when it is repaired. */
    private void strike(List<Fault> schedule, Rain rain) {
        for (Fault fault : schedule) {
            try {
                long wait = fault.atMs() - rain.elapsedMs();
                if (wait > 0) {
                    Thread.sleep(wait);
                }
                long from = rain.elapsedMs();
                String detail = inject(fault);
                struck.add(new Struck(fault.kind(), from, rain.elapsedMs(), detail));
                out.println();
                out.printf("  FAULT %s at %.1f s for %.1f s: %s%n", fault.kind(), from / 1e3,
                        (rain.elapsedMs() - from) / 1e3, detail);
            } catch (Exception e) {
                struck.add(new Struck(fault.kind(), rain.elapsedMs(), rain.elapsedMs(),
                        "could not inject: " + e));
                out.println("  FAULT " + fault.kind() + " could not be injected: " + e);
            }
        }
    }

    private String inject(Fault fault) throws Exception {
        switch (fault.kind()) {
            case CREDIT_JOB_KILL -> {
                String checkpoint = stack.flink().killAndRestartCredit();
                return "credit job cancelled, restarted from " + Path.of(checkpoint)
                        .getFileName();
            }
            case REDIS_RESTART_EMPTY -> {
                stack.services().restartRedisEmpty();
                Thread.sleep(fault.lengthMs());
                return "Redis restarted empty; " + rebuild();
            }
            case KAFKA_STOP -> {
                stack.kafka().stop();
                Thread.sleep(fault.lengthMs());
                stack.kafka().startAgain();
                return "Kafka broker stopped " + fault.lengthMs() / 1000 + " s, started again";
            }
            case ISSUANCE_KILL -> {
                ChildJvm instance = stack.issuanceInstances().get(fault.parameter());
                instance.kill();
                Thread.sleep(fault.lengthMs());
                stack.restartIssuance(fault.parameter());
                return instance.name() + " killed (SIGKILL), restarted and healthy";
            }
            case MYSQL_SLOW -> {
                stack.mysqlProxy().delay(fault.parameter());
                Thread.sleep(fault.lengthMs());
                stack.mysqlProxy().delay(0);
                return "every MySQL round trip +" + fault.parameter() + " ms each way for "
                        + fault.lengthMs() / 1000 + " s";
            }
            default -> throw new IllegalStateException("unknown fault " + fault.kind());
        }
    }

    /**
     * On-call's answer to Redis lost, as runbooks/budget-rebuild.md tells it: POST
     * /admin/budgets/rebuild, which starts the rebuild (or joins the one running) and answers
     * within a few seconds, then follow the run at its Location until it is DONE. A call that
     * fails (an instance killed meanwhile, a failed run) is made again; one that finds the
     * budgets live answers 409 {@code BUDGETS_LIVE}: after an earlier call, the rebuild is done.
     */
    private String rebuild() throws Exception {
        long deadline = System.nanoTime() + REBUILD_MAX.toNanos();
        int calls = 0;
        String lastRefusal = "";
        while (System.nanoTime() < deadline) {
            calls++;
            IssuanceClient.Answer answer;
            try {
                answer = stack.client().admin("POST", "/admin/budgets/rebuild", Map.of(
                        "reason", "chaos: Redis came back empty", "waitSeconds", 5));
            } catch (IOException unanswered) {
                lastRefusal = unanswered.toString();
                Thread.sleep(1_000);
                continue;
            }
            if (answer.status() == 409 && answer.body().contains("BUDGETS_LIVE")
                    && calls > 1) {
                return "rebuilt by an earlier call (" + calls + " calls)";
            }
            if (answer.status() == 200 || answer.status() == 202) {
                JsonNode run = follow(answer.json(), deadline);
                if ("DONE".equals(run.path("status").asText())) {
                    return "rebuilt (rebuild " + run.path("rebuildId").asLong() + ": "
                            + run.path("events").asInt() + " events, read "
                            + run.path("readMs").asLong() + " ms, restored "
                            + run.path("restoreMs").asLong() + " ms, " + calls + " calls)";
                }
                lastRefusal = run.toString();
            } else {
                lastRefusal = answer.status() + " " + answer.body();
            }
            Thread.sleep(1_000);
        }
        throw new StackException("the budget rebuild did not finish in "
                + REBUILD_MAX.toSeconds() + " s: " + lastRefusal);
    }

    /** Polls a running rebuild until it is no longer RUNNING (or the deadline passes). */
    private JsonNode follow(JsonNode run, long deadline) throws Exception {
        while ("RUNNING".equals(run.path("status").asText()) && System.nanoTime() < deadline) {
            Thread.sleep(500);
            try {
                IssuanceClient.Answer answer = stack.client().admin("GET",
                        "/admin/budgets/rebuilds/" + run.path("rebuildId").asLong(), null);
                if (answer.status() == 200) {
                    run = answer.json();
                }
            } catch (IOException unanswered) {
                // The instance asked is down: the next poll goes to another.
            }
        }
        return run;
    }

    /**
     * Waits until every token a client received is in the ledger, or until nothing more can
     * come by the stream (the outbox is published and the ledger has not grown for
     * {@link #QUIET}): a token whose event reached neither Kafka nor the outbox (the service
     * logs it) is the settlement's to repair. Returns the tokens not booked yet.
     */
    private Set<String> drain(List<Rain.Received> tokens) throws Exception {
        long started = System.nanoTime();
        Set<String> missing = new TreeSet<>();
        tokens.forEach(token -> missing.add(token.outTradeNo()));
        long lastProgress = System.nanoTime();
        while (!missing.isEmpty() && System.nanoTime() - started < DRAIN_TIMEOUT.toNanos()) {
            int before = missing.size();
            missing.removeAll(booked(missing));
            if (missing.size() < before) {
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > QUIET.toNanos()
                    && unpublishedOutboxRows() == 0) {
                break;
            }
            if (!missing.isEmpty()) {
                Thread.sleep(1_000);
            }
        }
        out.printf("drained in %.1f s; %d received tokens not booked by the stream (left to"
                + " the settlement's repair)%n", (System.nanoTime() - started) / 1e9,
                missing.size());
        return missing;
    }

    private long unpublishedOutboxRows() throws Exception {
        try (Connection connection = stack.dataSource().getConnection()) {
            return new OutboxStore().depth(connection);
        }
    }

    private Set<String> booked(Set<String> outTradeNos) throws Exception {
        try (Connection connection = stack.dataSource().getConnection()) {
            return new LedgerReads().journaled(connection, outTradeNos);
        }
    }

    /**
     * The invariants, each read from state the service cannot shade: what the harness
     * configured, what its clients received, the durable record with its proofs, the ledger.
     * Never the service's own account of what it granted.
     */
    private List<Check> check(Festival.Plan plan, Rain rain, List<Rain.Received> tokens,
            GrantRecord granted, int unanswered, Summary summary, LocalDate date)
            throws Exception {
        List<Check> checks = new ArrayList<>();
        checks.add(withinConfiguredBudgets(plan, tokens, granted));
        checks.add(grantedIsReceived(granted, tokens, unanswered));
        checks.add(everyTokenOnce(rain, tokens));
        checks.add(breaksAllRepaired(date));
        checks.add(new Check("the ledger balances (per journal and overall) and every"
                + " account's balance is the sum of its entries", summary.unbalancedJournals()
                        == 0 && summary.walletsOff() == 0 && summary.ledgerTotals().values()
                                .stream().allMatch(total -> total == 0),
                summary.unbalancedJournals() + " journals off, " + summary.walletsOff()
                        + " accounts off, totals " + summary.ledgerTotals()));
        checks.add(creditedWithinGranted(summary));
        checks.add(new Check("withdrawals paid = payouts on the channel's statement",
                summary.withdrawalsPaidMinor() == summary.payoutsStatedMinor(),
                summary.withdrawalsPaidMinor() + " vs " + summary.payoutsStatedMinor()));
        checks.add(troublesInsideFaults(rain));
        checks.add(new Check("no grab answered differently to a repeated tap",
                rain.idempotencyViolations() == 0, rain.idempotencyViolations()
                        + " violations"));
        checks.add(new Check("the settlement completed", summary.settlementExit() == 0,
                "exit " + summary.settlementExit()));
        return checks;
    }

    /**
     * No template granted more than the budget the harness gave it: counted from what clients
     * received and from the durable record, per template, and from the ledger, per stage and
     * award type. (The harness never raises a budget.)
     */
    private Check withinConfiguredBudgets(Festival.Plan plan, List<Rain.Received> tokens,
            GrantRecord granted) throws Exception {
        // A client's answer does not name its template; the proven grant of the same
        // outTradeNo does (and received = granted, amounts included, is checked apart).
        Map<String, Long> receivedByTemplate = new HashMap<>();
        tokens.forEach(token -> {
            var award = granted.awards().get(token.outTradeNo());
            receivedByTemplate.merge(award == null ? "(no proven grant)" : award.templateId(),
                    token.amountMinor(), Long::sum);
        });
        Map<String, Long> grantedByTemplate = new HashMap<>();
        granted.awards().values().forEach(award -> grantedByTemplate.merge(award.templateId(),
                award.amountMinor(), Long::sum));
        Map<String, Long> budgetByTemplate = new HashMap<>();
        Map<String, Long> budgetByStageType = new HashMap<>();
        for (Festival.Budget budget : plan.budgets()) {
            budgetByTemplate.put(budget.templateId(), budget.budgetMinor());
            budgetByStageType.merge(budget.stage() + "|" + budget.awardType(),
                    budget.budgetMinor(), Long::sum);
        }
        List<String> over = new ArrayList<>();
        overBudget("received", receivedByTemplate, budgetByTemplate, over);
        overBudget("granted", grantedByTemplate, budgetByTemplate, over);
        Map<String, Long> creditedByStageType;
        try (Connection connection = stack.dataSource().getConnection()) {
            creditedByStageType = new LedgerReads().tokenCreditedMinorByStageAndAward(connection);
        }
        overBudget("credited", creditedByStageType, budgetByStageType, over);
        return new Check("no template granted, and the ledger credited no stage, a fen over the"
                + " budget the harness configured", over.isEmpty(), over.isEmpty()
                        ? "all within " + plan.budgets().size() + " configured budgets"
                        : over.toString());
    }

    private static void overBudget(String what, Map<String, Long> sums, Map<String, Long> budgets,
            List<String> over) {
        sums.forEach((key, sum) -> {
            Long budget = budgets.get(key);
            if (budget == null || sum > budget) {
                over.add(key + " " + what + " " + sum + " of budget " + budget);
            }
        });
    }

    /**
     * Received = granted: every award the durable record proves is a token some client holds,
     * with its owner and amount, and every token a client holds is such an award. Taps that got
     * no answer were asked again after the rain; one still unanswered breaks this too.
     */
    private static Check grantedIsReceived(GrantRecord granted, List<Rain.Received> tokens,
            int unanswered) {
        Map<String, Rain.Received> received = new HashMap<>();
        tokens.forEach(token -> received.put(token.outTradeNo(), token));
        Set<String> unreceived = new TreeSet<>();
        List<String> different = new ArrayList<>();
        granted.awards().forEach((outTradeNo, award) -> {
            Rain.Received token = received.get(outTradeNo);
            if (token == null) {
                unreceived.add(outTradeNo);
            } else if (!token.actId().equals(award.actId())
                    || token.amountMinor() != award.amountMinor()
                    || !token.currency().equals(award.currency())) {
                different.add(outTradeNo);
            }
        });
        Set<String> ungranted = new TreeSet<>(received.keySet());
        ungranted.removeAll(granted.awards().keySet());
        boolean held = unreceived.isEmpty() && ungranted.isEmpty() && different.isEmpty()
                && unanswered == 0 && granted.unproven() == 0;
        return new Check("received = granted: each award in the durable record (proof verified)"
                + " is a token a client holds, and each token a client holds is one", held,
                granted.awards().size() + " awards; " + unreceived.size() + " no client holds "
                        + first(unreceived) + ", " + ungranted.size() + " not in the record "
                        + first(ungranted) + ", " + different.size() + " different "
                        + first(different) + ", " + granted.unproven() + " without proof, "
                        + unanswered + " taps never answered");
    }

    /**
     * Every received token is one journal with its owner, amount and asset, and every journal
     * is a received token: a credit no client received (even one within budget) is a phantom.
     */
    private Check everyTokenOnce(Rain rain, List<Rain.Received> tokens) throws Exception {
        Map<String, Rain.Received> byId = new HashMap<>();
        tokens.forEach(token -> byId.put(token.outTradeNo(), token));
        List<String> wrong = new ArrayList<>();
        Set<String> missing = new TreeSet<>(byId.keySet());
        List<String> phantoms = new ArrayList<>();
        // The ledger's unique out_trade_no books each token at most once; here each credit
        // must also be a token some client received, for its owner and amount.
        try (Connection connection = stack.dataSource().getConnection()) {
            new LedgerReads().tokenCredits(connection, credit -> {
                Rain.Received token = byId.get(credit.outTradeNo());
                if (token == null) {
                    phantoms.add(credit.outTradeNo() + " (" + credit.source() + ")");
                    return;
                }
                missing.remove(token.outTradeNo());
                if (!token.actId().equals(credit.actId())
                        || token.amountMinor() != credit.amountMinor()
                        || !token.currency().equals(credit.currency())) {
                    wrong.add(token.outTradeNo());
                }
            });
        }
        // A missing token: when it was issued (its outTradeNo starts with the business-zone
        // time), in the rain's seconds, to set it against the faults.
        List<String> missingWhen = missing.stream().limit(20).map(outTradeNo -> outTradeNo
                + " (issued at " + issuedAtRainSeconds(rain, outTradeNo) + " s, app "
                + byId.get(outTradeNo).appId() + ")").toList();
        return new Check("the ledger = what clients received: every token a client received is"
                + " credited exactly once, to its owner, with its amount, and every credit is"
                + " such a token", wrong.isEmpty() && missing.isEmpty() && phantoms.isEmpty(),
                byId.size() + " tokens; " + missing.size() + " missing " + missingWhen + ", "
                        + wrong.size() + " wrong " + first(wrong) + ", " + phantoms.size()
                        + " credits no client received " + first(phantoms));
    }

    private String issuedAtRainSeconds(Rain rain, String outTradeNo) {
        try {
            Instant issued = LocalDateTime.parse(outTradeNo.substring(0, 17),
                    DateTimeFormatter.ofPattern("yyyyMMddHHmmssSSS"))
                    .atZone(ZoneId.of(stack.info().businessZone())).toInstant();
            return String.format(Locale.ROOT, "%.1f", Duration.between(
                    rain.startedAt(), issued).toMillis() / 1e3);
        } catch (RuntimeException e) {
            return "?";
        }
    }

    /** The settlement's breaks: only ISSUED_NOT_CREDITED, each one repaired. */
    private Check breaksAllRepaired(LocalDate date) throws Exception {
        Map<String, Long> byCategoryStatus;
        try (Connection connection = stack.dataSource().getConnection()) {
            byCategoryStatus = new SettlementReads().breakCountsSeenOn(connection, date);
        }
        boolean held = byCategoryStatus.keySet().stream().allMatch(key ->
                key.equals("ISSUED_NOT_CREDITED/REPAIRED") || key.equals(
                        "STATUS_MISMATCH/REPAIRED"));
        return new Check("every break the settlement found is one the repair cleared"
                + " (issued, not credited)", held, byCategoryStatus.isEmpty() ? "no breaks"
                        : byCategoryStatus.toString());
    }

    /** The ledger never holds more than the budgets granted (no money from nowhere). */
    private static Check creditedWithinGranted(Summary summary) {
        List<String> over = new ArrayList<>();
        summary.credited().forEach((currency, credited) -> {
            long[] granted = summary.granted().get(currency);
            if (granted == null || credited[1] > granted[1]) {
                over.add(currency + " credited " + credited[1] + " > granted "
                        + (granted == null ? 0 : granted[1]));
            }
        });
        return new Check("the ledger credited no more than the budgets granted, per currency",
                over.isEmpty(), over.isEmpty() ? "credited " + amounts(summary.credited())
                        + ", granted " + amounts(summary.granted()) : over.toString());
    }

    /** 5xx, timeouts and refused connections happen only while a fault is in progress. */
    private Check troublesInsideFaults(Rain rain) {
        List<Rain.Trouble> outside = new ArrayList<>();
        Map<String, Long> inside = new TreeMap<>();
        List<String> timeouts = new ArrayList<>();
        for (Rain.Trouble trouble : rain.troubles()) {
            // The latest fault whose window (start - 1 s .. end + grace) covers it.
            Struck during = struck.stream().filter(fault -> trouble.atMs() >= fault.fromMs()
                    - 1_000 && trouble.atMs() <= fault.toMs() + TROUBLE_GRACE.toMillis())
                    .reduce((earlier, later) -> later).orElse(null);
            if (trouble.what().equals("TIMEOUT")) {
                timeouts.add(String.format("%.1f s (%s)", trouble.atMs() / 1e3,
                        during == null ? "no fault" : during.kind()));
            }
            // A dependency down is a 503 (or, for a killed instance, a refused connection); a
            // 500 is an error the service did not handle, whenever it happens.
            boolean unhandled = trouble.what().startsWith("500");
            if (during != null && !unhandled) {
                inside.merge(during.kind() + ": " + trouble.what(), 1L, Long::sum);
            } else {
                outside.add(trouble);
            }
        }
        if (!outside.isEmpty() || !timeouts.isEmpty()) {
            out.println("troubles outside a fault, with the issuance instances' log lines:");
            outside.stream().limit(10).forEach(trouble -> out.println("  " + trouble));
            stack.issuanceFailureLines(outside.stream().map(rain::wallClockOf).toList(), 20).forEach(line -> out.println("  " + line));
        }
        return new Check("no grab answered 500, and none 503, failed or hung past its timeout"
                + " outside a fault in progress (+" + TROUBLE_GRACE.toSeconds() + " s)",
                outside.isEmpty()
                        && timeouts.isEmpty(), "during faults " + inside + "; outside "
                                + outside.size() + " " + first(outside) + "; timeouts "
                                + timeouts.size() + " " + first(timeouts));
    }

    private void print(Report report) {
        out.println();
        out.println("Chaos report, seed " + report.settings().seed());
        report.struck().forEach(fault -> out.printf("  %-20s %6.1f-%6.1f s  %s%n",
                fault.kind(), fault.fromMs() / 1e3, fault.toMs() / 1e3, fault.detail()));
        out.println("  taps " + report.taps() + ", tokens received " + report.tokensReceived()
                + " (" + report.leftToRepair() + " left to the settlement's repair), outcomes "
                + report.outcomes());
        report.checks().forEach(check -> out.println("  " + (check.held() ? "HELD  " : "BROKEN")
                + " " + check.name() + ": " + check.detail()));
        out.println(report.held() ? "ALL INVARIANTS HELD (seed " + report.settings().seed() + ")"
                : "INVARIANTS BROKEN: rerun with --seed " + report.settings().seed()
                        + " to reproduce");
    }

    private static String amounts(Map<String, long[]> sums) {
        Map<String, Long> amounts = new TreeMap<>();
        sums.forEach((currency, value) -> amounts.put(currency, value[1]));
        return amounts.toString();
    }

    private static String first(Collection<?> items) {
        return items.isEmpty() ? "" : items.stream().limit(5).toList().toString();
    }

    /** The chaos night repairs what the faults left at once: its tokens are minutes old. */
    private static String[] withRepairGrace(List<String> reading) {
        List<String> arguments = new ArrayList<>(reading);
        arguments.add("--redrain.settlement.repair-grace=5s");
        return arguments.toArray(String[]::new);
    }
}
