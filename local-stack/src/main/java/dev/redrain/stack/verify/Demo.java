package dev.redrain.stack.verify;

import dev.redrain.core.money.Money;
import dev.redrain.issuance.wallet.WithdrawalReads;
import dev.redrain.stack.Stack;
import dev.redrain.stack.load.Festival;
import dev.redrain.stack.load.IssuanceClient;
import dev.redrain.stack.load.Rain;
import dev.redrain.stack.load.RainOptions;
import dev.redrain.stack.load.Withdrawals;
import dev.redrain.stack.ops.Progress;
import dev.redrain.stack.run.Settlement;
import dev.redrain.stack.run.StackInfo;
import dev.redrain.stack.run.StackSettings;
import java.io.PrintStream;
import java.sql.Connection;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The demo, end to end: the stack, the festival, an internal test by staff, a rain (gray
 * first, then formal) with the chosen faults injected on schedule, withdrawals, crediting
 * drained, the channel's statement, the settlement, and the summary that says whether every
 * fen is accounted for.
 */
public final class Demo {
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(3);

    /** Faults to inject during the rain (seconds from its start; negative: none). */
    public record Faults(int kafkaOutageAtSeconds, int kafkaOutageSeconds, int killCreditJobAtSeconds) {
        static Faults none() {
            return new Faults(-1, 0, -1);
        }
    }

    /** What a demo came to, for the command's exit code and the tests. */
    public record Outcome(Summary summary, Rain rain, Withdrawals.Result withdrawals,
            List<String> faultsInjected) {
    }

    private final Stack stack;
    private final PrintStream out;
    private final List<String> faultsInjected = new CopyOnWriteArrayList<>();

    public Demo(Stack stack, PrintStream out) {
        this.stack = stack;
        this.out = out;
    }

    public Outcome run(RainOptions rain, Faults faults, double withdrawShare) throws Exception {
        IssuanceClient client = stack.client();
        String activity = Festival.ACTIVITY_ID;
        Festival.Plan plan = Festival.seed(client, activity, rain.expectedFormalGrabs(), 0.6,
                rain.duration());
        out.printf("festival %s: 3 stages, cash (0.01-8.88 CNY) falling back to coupons; formal"
                + " cash budget %s%n", activity, Money.of(plan.formalCashBudgetMinor(),
                        "CNY").display());
        // Both rains' scenes are declared before the first tap, as operators schedule a
        // festival ahead: the main rain then starts at once after the staff's.
        Duration festivalTime = rain.duration().plusSeconds(30);
        Festival.scheduleRains(client, activity, "internal-test", rain.rains, festivalTime);
        Festival.scheduleRains(client, activity, "main", rain.rains, festivalTime);
        Thread.sleep(1_500); // every instance reloads its catalog within a second
        Rain staff = new Rain(new Rain.Settings(activity, "internal-test", "staff-",
                Festival.STAFF, 20, Duration.ofSeconds(2), 1, rain.seed, StackSettings.APPS.subList(0,
                        1)), client);
        staff.run(index -> { });
        out.println("internal test: " + staff.outcomes() + " (staff on the allow-list only)");

        Festival.switchStage(client, activity, "GRAY");
        Festival.awaitStage(client, activity, "GRAY", Duration.ofSeconds(10));
        Thread.sleep(1_500);
        Rain main = new Rain(new Rain.Settings(activity, "main", "user-", rain.users, rain.rate,
                rain.duration(), rain.rains, rain.seed, StackSettings.APPS.subList(0, rain.apps)),
                client);
        out.printf("rain: %d users, %d apps, %.0f taps/s for %d s in %d rains (the first in"
                + " gray, 20%% of users)%n", rain.users, rain.apps, rain.rate,
                rain.durationSeconds, rain.rains);
        ScheduledExecutorService faultTimer = scheduleFaults(faults);
        try (Progress progress = new Progress(out, main, stack.ops()::latest)) {
            main.run(index -> {
                if (index == 1 || rain.rains == 1) {
                    switchQuietly(client, activity, "FORMAL");
                }
            });
        } finally {
            faultTimer.shutdown();
            faultTimer.awaitTermination(2, TimeUnit.MINUTES);
        }
        out.println("rain over: " + main.outcomes() + "; idempotency violations "
                + main.idempotencyViolations() + ", 5xx " + main.serverErrors() + ", timeouts "
                + main.timeouts() + ", latency p99 <= " + main.latencyUpperBoundMs(0.99) + " ms");
        if (main.serverErrors() + main.timeouts() > 0) {
            printTroubles(main);
        }
        // A tap of the gray rain asked again now gets the answer it had in gray, if the
        // service decided one (the record is per rain, not per stage); the demo's faults
        // (Kafka, the credit job) leave taps answered, so there are few to ask.
        int unanswered = main.askAgainUnanswered(Rain.ASK_AGAIN_MAX);
        if (main.askedAgain() + unanswered > 0) {
            out.println(main.askedAgainSummary());
        }

        Withdrawals.Result withdrawals = Withdrawals.run(main, withdrawShare, rain.seed,
                "CNY");
        out.println("withdrawals: " + withdrawals.requested() + " requested, "
                + withdrawals.byStatus() + ", paid " + Money.of(withdrawals.paidMinor(),
                        "CNY").display());
        List<Rain.Received> tokens = new ArrayList<>(staff.tokens().values());
        tokens.addAll(main.tokens().values());
        drain(tokens);
        awaitPayoutAnswers();
        Summary summary = settleAndSummarize(tokens);
        summary.print(out);
        if (!faultsInjected.isEmpty() || !stack.channel().faults().isEmpty()) {
            out.println("  faults injected: " + faultsInjected + (stack.channel().faults()
                    .isEmpty() ? "" : ", channel " + stack.channel().faults().size()
                            + " statement lines dropped or changed"));
        }
        if (stack.channel().lostPayoutAnswers() > 0) {
            out.println("  the channel paid and lost the answer of " + stack.channel()
                    .lostPayoutAnswers() + " payouts; the issuance service's resolver asked"
                    + " it what became of them");
        }
        out.println("  dashboard " + stack.info().dashboardUrl() + ", Flink "
                + stack.info().flinkUrl() + ", logs " + Path.of(stack.info().runDirectory())
                        .resolve("logs"));
        out.println("  finance review " + stack.info().issuanceUrls().get(0) + "/finance/"
                + " (the financeTokens in " + Path.of(stack.info().runDirectory())
                        .resolve(StackInfo.FILE) + ")");
        return new Outcome(summary, main, withdrawals, List.copyOf(faultsInjected));
    }

    /** The first 5xx and timeouts with the service's reasons, and its log lines about them. */
    private void printTroubles(Rain rain) {
        rain.troubles().stream().limit(10).forEach(trouble -> out.println("  trouble at "
                + trouble));
        stack.issuanceFailureLines(rain.troubles().stream().map(rain::wallClockOf).toList(), 10).forEach(line -> out.println("  " + line));
    }

    private void switchQuietly(IssuanceClient client, String activity, String stage) {
        try {
            Festival.switchStage(client, activity, stage);
        } catch (Exception e) {
            out.println("stage switch to " + stage + " failed: " + e.getMessage());
        }
    }

    private ScheduledExecutorService scheduleFaults(Faults faults) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        if (faults.kafkaOutageAtSeconds() >= 0 && faults.kafkaOutageSeconds() > 0) {
            timer.schedule(() -> {
                note("Kafka broker stopped for " + faults.kafkaOutageSeconds() + " s");
                stack.kafka().stop();
                Thread.sleep(faults.kafkaOutageSeconds() * 1000L);
                stack.kafka().startAgain();
                note("Kafka broker back");
                return null;
            }, faults.kafkaOutageAtSeconds(), TimeUnit.SECONDS);
        }
        if (faults.killCreditJobAtSeconds() >= 0) {
            timer.schedule(() -> {
                note("credit job killed");
                String checkpoint = stack.flink().killAndRestartCredit();
                note("credit job restarted from " + Path.of(checkpoint).getFileName());
                return null;
            }, faults.killCreditJobAtSeconds(), TimeUnit.SECONDS);
        }
        return timer;
    }

    private void note(String fault) {
        faultsInjected.add(fault);
        out.println();
        out.println("  FAULT: " + fault);
    }

    /** Waits until the channel has seen every token credited (the stream books them all). */
    private void drain(Collection<Rain.Received> tokens) throws InterruptedException {
        long started = System.nanoTime();
        Set<String> wanted = new TreeSet<>();
        tokens.forEach(token -> wanted.add(token.outTradeNo()));
        while (true) {
            Set<String> missing = new TreeSet<>(wanted);
            missing.removeAll(stack.channel().credited().keySet());
            if (missing.isEmpty()) {
                out.printf("crediting drained: %d tokens credited in %.1f s after the rain%n",
                        wanted.size(), (System.nanoTime() - started) / 1e9);
                return;
            }
            if (System.nanoTime() - started > DRAIN_TIMEOUT.toNanos()) {
                out.println("crediting did not drain within " + DRAIN_TIMEOUT.toSeconds()
                        + " s: " + missing.size() + " tokens not credited yet (the settlement"
                        + " will name them)");
                return;
            }
            Thread.sleep(250);
        }
    }

    /**
     * Waits until no withdrawal waits for the channel's answer: the resolver settles a lost
     * answer within seconds, and the night is cut once every payout has its outcome.
     */
    private void awaitPayoutAnswers() throws Exception {
        long started = System.nanoTime();
        WithdrawalReads withdrawals = new WithdrawalReads();
        while (true) {
            long waiting;
            try (Connection connection = stack.dataSource().getConnection()) {
                waiting = withdrawals.awaitingChannel(connection);
            }
            if (waiting == 0) {
                return;
            }
            if (System.nanoTime() - started > DRAIN_TIMEOUT.toNanos()) {
                out.println(waiting + " withdrawals still wait for the channel's answer (the"
                        + " report lists them as unknown, with their age)");
                return;
            }
            Thread.sleep(500);
        }
    }

    private Summary settleAndSummarize(List<Rain.Received> tokens)
            throws Exception {
        ZoneId zone = ZoneId.of(stack.info().businessZone());
        Set<LocalDate> dates = new TreeSet<>(stack.channel().dates());
        LocalDate today = LocalDate.now(zone);
        dates.add(today);
        Path run = Path.of(stack.info().runDirectory());
        int exit = 0;
        for (LocalDate date : dates) {
            Path statement = stack.channel().writeStatement(date, run.resolve("statements"));
            out.println("statement " + statement);
            long started = System.nanoTime();
            int code = Settlement.run(stack.settings(), stack.info(),
                    stack.services().database().password(), date, false,
                    run.resolve("statements"), run.resolve("reports"),
                    stack.channel().settlementArguments().toArray(String[]::new));
            out.printf("settlement of %s: exit %d in %.1f s%n", date, code,
                    (System.nanoTime() - started) / 1e9);
            exit = Math.max(exit, code);
        }
        GrantRecord granted = GrantRecord.read(stack.info(), stack.dataSource());
        if (granted.unproven() > 0) {
            out.println("  the durable record holds " + granted.unproven() + " award records"
                    + " without a valid grant proof (not counted as granted)");
        }
        return Summary.collect(stack.dataSource(), granted.byCurrency(), tokens,
                stack.channel(), dates.size() == 1 ? today : dates.iterator().next(), exit,
                Set.of("CNY"));
    }
}
