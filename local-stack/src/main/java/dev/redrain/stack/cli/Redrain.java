package dev.redrain.stack.cli;

import dev.redrain.stack.Stack;
import dev.redrain.stack.channel.ChannelBill;
import dev.redrain.stack.channel.PaymentChannel;
import dev.redrain.stack.load.Festival;
import dev.redrain.stack.load.IssuanceClient;
import dev.redrain.stack.load.Rain;
import dev.redrain.stack.load.RainOptions;
import dev.redrain.stack.ops.Ops;
import dev.redrain.stack.ops.Progress;
import dev.redrain.stack.run.LocalServices;
import dev.redrain.stack.run.Settlement;
import dev.redrain.stack.run.StackException;
import dev.redrain.stack.run.StackInfo;
import dev.redrain.stack.run.StackJson;
import dev.redrain.stack.run.StackSettings;
import dev.redrain.stack.run.Version;
import dev.redrain.stack.verify.Abuse;
import dev.redrain.stack.verify.Chaos;
import dev.redrain.stack.verify.Demo;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code ./redrain}: the whole platform on one machine. Exit codes: 0 done (for demo: money
 * conserved), 1 not conserved or a part failed, 2 bad arguments or nothing to attach to.
 */
@Command(name = "redrain", mixinStandardHelpOptions = true,
        versionProvider = Redrain.VersionProvider.class,
        description = "Runs Redrain on this machine: the demo, the stack alone, a rain against a"
                + " running stack, a settlement.",
        subcommands = {Redrain.DemoCommand.class, Redrain.UpCommand.class,
            Redrain.RainCommand.class, Redrain.SettleCommand.class, Redrain.ChaosCommand.class,
            Redrain.AbuseCommand.class})
public final class Redrain implements Runnable {
    static final PrintStream OUT = System.out;

    @Override
    public void run() {
        new CommandLine(this).usage(OUT);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** The command line, with refusals (bad arguments, nothing to attach to) as exit 2. */
    static CommandLine commandLine() {
        return new CommandLine(new Redrain())
                .setExecutionExceptionHandler((e, commandLine, parsed) -> {
                    if (e instanceof StackException) {
                        commandLine.getErr().println("redrain: " + e.getMessage());
                        return 2;
                    }
                    throw e;
                });
    }

    /** {@code --version}: the project's version, which names the parts' jars. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"redrain " + Version.project()};
        }
    }

    /**
     * The stack that {@code stack.json} describes, if it still answers; a file left by a
     * stopped stack (a finished demo) is nothing to attach to.
     */
    static StackInfo running(Path runDirectory) throws Exception {
        Path file = runDirectory.resolve(StackInfo.FILE);
        StackInfo info = StackInfo.read(file);
        URI issuance = URI.create(info.issuanceUrls().get(0));
        if (!LocalServices.answers(issuance.getHost(), issuance.getPort())) {
            throw new StackException("nothing answers at " + issuance + ": " + file + " is left"
                    + " from a stack that has stopped. Start one with ./redrain up (or run"
                    + " ./redrain demo --keep), then try again");
        }
        return info;
    }

    /** The repository: where the parts' jars and runbooks are. */
    static Path home() {
        return Path.of(System.getProperty("redrain.home", ".")).toAbsolutePath().normalize();
    }

    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Starts the stack, seeds a festival, runs a rain, drains crediting,"
                    + " settles today and prints whether every fen is accounted for.")
    static final class DemoCommand implements Callable<Integer> {
        @Mixin
        StackOptions stack;
        @Mixin
        RainOptions rain;

        @Option(names = "--withdraw-share", defaultValue = "0.1",
                description = "share of users with cash who withdraw it (default: ${DEFAULT-VALUE})")
        double withdrawShare;

        @Option(names = "--channel-drop-rate", defaultValue = "0",
                description = "share of the channel's statement lines lost (default: ${DEFAULT-VALUE})")
        double dropRate;

        @Option(names = "--channel-mismatch-rate", defaultValue = "0",
                description = "share of statement lines with a different amount (default:"
                        + " ${DEFAULT-VALUE})")
        double mismatchRate;

        @Option(names = "--payout-failure-rate", defaultValue = "0",
                description = "share of payouts the channel refuses (default: ${DEFAULT-VALUE})")
        double payoutFailureRate;

        @Option(names = "--payout-lost-answer-rate", defaultValue = "0",
                description = "share of payouts the channel makes but whose answer it loses;"
                        + " the issuance service's resolver asks the channel what became of"
                        + " them (default: ${DEFAULT-VALUE})")
        double payoutLostAnswerRate;

        @Option(names = "--statement-format", defaultValue = "redrain-csv",
                description = "the channel's statement: redrain-csv (Redrain's own) or"
                        + " channel-bill (a bill like a real channel's: fees, payout batches,"
                        + " gzip and a checksum) (default: ${DEFAULT-VALUE})")
        String statementFormat;

        @Option(names = "--kafka-outage", defaultValue = "0", paramLabel = "SECONDS",
                description = "stop the Kafka broker for this long during the rain")
        int kafkaOutageSeconds;

        @Option(names = "--kafka-outage-at", defaultValue = "-1", paramLabel = "SECONDS",
                description = "when, from the rain's start (default: a third of the way)")
        int kafkaOutageAt;

        @Option(names = "--kill-credit-job-at", defaultValue = "-1", paramLabel = "SECONDS",
                description = "kill the credit job this far into the rain; it restarts from its"
                        + " latest checkpoint")
        int killCreditJobAt;

        @Option(names = "--keep", description = "keep the stack up after the summary, until"
                + " Ctrl-C (to look at the dashboard and the report)")
        boolean keep;

        @Override
        public Integer call() throws Exception {
            rain.validate();
            PaymentChannel.Knobs knobs = new PaymentChannel.Knobs(dropRate, mismatchRate,
                    payoutFailureRate, rain.seed).withLostPayoutAnswers(payoutLostAnswerRate);
            if ("channel-bill".equals(statementFormat)) {
                knobs = knobs.withBill(ChannelBill.Terms.demo(ZoneId.of(
                        StackSettings.BUSINESS_ZONE)));
            } else if (!"redrain-csv".equals(statementFormat)) {
                throw new StackException("--statement-format must be redrain-csv or"
                        + " channel-bill, not '" + statementFormat + "'");
            }
            Demo.Faults faults = new Demo.Faults(kafkaOutageAt >= 0 ? kafkaOutageAt
                    : rain.durationSeconds / 3, kafkaOutageSeconds, killCreditJobAt);
            long started = System.nanoTime();
            OUT.println("Redrain demo: starting the stack");
            try (Stack running = Stack.start(stack.settings(knobs), OUT)) {
                Runtime.getRuntime().addShutdownHook(new Thread(running::close));
                Demo.Outcome outcome = new Demo(running, OUT).run(rain, faults, withdrawShare);
                OUT.printf("demo finished in %.0f s%n", (System.nanoTime() - started) / 1e9);
                if (!keep) {
                    OUT.println("the stack stops now, and its URLs with it; ./redrain demo"
                            + " --keep keeps it up after the summary (Ctrl-C stops it)");
                }
                if (keep) {
                    OUT.println("the stack stays up: dashboard " + running.info().dashboardUrl()
                            + "; Ctrl-C stops it");
                    new CountDownLatch(1).await();
                }
                return outcome.summary().conserved() ? 0 : 1;
            }
        }
    }

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = "Starts the stack alone and prints how to call it; Ctrl-C stops it.")
    static final class UpCommand implements Callable<Integer> {
        @Mixin
        StackOptions stack;

        @Override
        public Integer call() throws Exception {
            try (Stack running = Stack.start(stack.settings(PaymentChannel.Knobs.none()), OUT)) {
                Runtime.getRuntime().addShutdownHook(new Thread(running::close));
                printUsage(running.info());
                new CountDownLatch(1).await();
                return 0;
            }
        }

        private static void printUsage(StackInfo info) {
            OUT.println();
            OUT.println("Redrain is up.");
            OUT.println("  issuance service  " + String.join(", ", info.issuanceUrls()));
            OUT.println("  ops dashboard     " + info.dashboardUrl());
            OUT.println("  Flink web UI      " + info.flinkUrl());
            OUT.println("  Kafka             " + info.kafkaBootstrap());
            OUT.println("  MySQL             " + info.jdbcUrl() + " (user " + info.jdbcUser()
                    + ")");
            OUT.println("  Redis             " + info.redisUri() + ", namespace "
                    + info.namespace());
            OUT.println("  credentials       " + Path.of(info.runDirectory()).resolve(
                    StackInfo.FILE) + " (app secrets, operator and viewer tokens; owner-only)");
            OUT.println();
            OUT.println("Try:");
            OUT.println("  TOKEN=$(sed -n 's/.*\"operatorToken\" : \"\\(.*\\)\".*/\\1/p' "
                    + Path.of(info.runDirectory()).resolve(StackInfo.FILE) + ")");
            OUT.println("  curl -s -H \"Authorization: Bearer $TOKEN\" "
                    + info.issuanceUrls().get(0) + "/admin/switches");
            OUT.println("  ./redrain rain --users 2000 --rate 200 --duration 30");
            OUT.println("  ./redrain settle --date " + LocalDate.now(ZoneId.of(
                    info.businessZone())));
            OUT.println("App requests must be signed (see issuance-service/README.md);"
                    + " ./redrain rain does it.");
        }
    }

    @Command(name = "rain", mixinStandardHelpOptions = true,
            description = "Runs a rain against a running stack (./redrain up), signed like a"
                    + " real app; seeds the festival first if the stack has none.")
    static final class RainCommand implements Callable<Integer> {
        @Mixin
        RainOptions rain;

        @Option(names = "--run-dir", defaultValue = ".redrain/stack",
                description = "the running stack's folder (default: ${DEFAULT-VALUE})")
        Path runDirectory;

        @Override
        public Integer call() throws Exception {
            rain.validate();
            StackInfo info = running(resolve(runDirectory));
            IssuanceClient client = new IssuanceClient(info.issuanceUrls(), info.appSecrets(),
                    info.operatorToken(), Duration.ofSeconds(5), 64);
            String activity = Festival.ACTIVITY_ID;
            if (!Festival.exists(client, activity)) {
                Festival.seed(client, activity, rain.expectedFormalGrabs() * rain.rains, 0.6,
                        rain.duration());
                Festival.switchStage(client, activity, "FORMAL");
                Festival.awaitStage(client, activity, "FORMAL", Duration.ofSeconds(10));
                Thread.sleep(1_500);
                OUT.println("seeded festival " + activity + " (formal stage)");
            } else {
                Festival.extend(client, activity, rain.duration());
            }
            Rain run = new Rain(new Rain.Settings(activity, "main", "user-", rain.users,
                    rain.rate, rain.duration(), rain.rains, rain.seed, StackSettings.APPS.subList(0,
                            rain.apps)), client);
            try (Progress progress = new Progress(OUT, run, () -> snapshot(info))) {
                run.run(index -> { });
            }
            OUT.println("rain over: " + run.outcomes() + "; idempotency violations "
                    + run.idempotencyViolations() + ", 5xx " + run.serverErrors()
                    + ", timeouts " + run.timeouts() + ", latency p99 <= "
                    + run.latencyUpperBoundMs(0.99) + " ms");
            return run.idempotencyViolations() == 0 && run.serverErrors() == 0 ? 0 : 1;
        }

        private static Ops.Snapshot snapshot(StackInfo info) {
            try {
                HttpResponse<String> response = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create(info.dashboardUrl() + "/api/ops"))
                                .build(), HttpResponse.BodyHandlers.ofString());
                return StackJson.MAPPER.readValue(response.body(), Ops.Snapshot.class);
            } catch (Exception e) {
                return null;
            }
        }
    }

    @Command(name = "settle", mixinStandardHelpOptions = true,
            description = "Has the running stack's payment channel write the date's statement,"
                    + " then runs the nightly settlement for that date.")
    static final class SettleCommand implements Callable<Integer> {
        @Option(names = "--date", required = true, paramLabel = "YYYY-MM-DD")
        LocalDate date;

        @Option(names = "--force", description = "settle a date that was settled already")
        boolean force;

        @Option(names = "--run-dir", defaultValue = ".redrain/stack",
                description = "the running stack's folder (default: ${DEFAULT-VALUE})")
        Path runDirectory;

        @Override
        public Integer call() throws Exception {
            Path run = resolve(runDirectory);
            StackInfo info = running(run);
            HttpResponse<String> statement = HttpClient.newHttpClient().send(HttpRequest
                    .newBuilder(URI.create(info.channelUrl() + "/statements?date=" + date))
                    .header("Authorization", "Bearer " + info.channelMerchantKey())
                    .POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (statement.statusCode() != 200) {
                throw new StackException("the payment channel did not write the statement: "
                        + statement.body());
            }
            var written = StackJson.MAPPER.readTree(statement.body());
            OUT.println("statement: " + written.path("path").asText());
            List<String> reading = new ArrayList<>();
            written.path("settlementArguments").forEach(argument -> reading.add(
                    argument.asText()));
            StackSettings settings = new StackSettings(home(), run, null, info.jdbcUser(), null,
                    false, null, info.namespace(), 0, 0, 0, 0, PaymentChannel.Knobs.none(),
                    false);
            int exit = Settlement.run(settings, info, System.getenv().getOrDefault(
                    "REDRAIN_DB_PASSWORD", ""), date, force, run.resolve("statements"),
                    run.resolve("reports"), reading.toArray(String[]::new));
            OUT.println("settlement of " + date + ": exit " + exit + " (0 completed, 1 failed:"
                    + " run again to resume, 2 refused); log "
                    + run.resolve("logs").resolve("settlement-" + date + ".log"));
            OUT.println("dashboard: " + info.dashboardUrl() + " (last settlement, report)");
            return exit;
        }
    }

    @Command(name = "chaos", mixinStandardHelpOptions = true,
            description = "The chaos suite: a rain on a stack of two issuance instances while"
                    + " faults strike on a seeded schedule (credit job killed, Redis restarted"
                    + " empty, Kafka stopped, an instance killed, MySQL slowed); then the"
                    + " settlement and the money invariants. A failing seed reproduces.")
    static final class ChaosCommand implements Callable<Integer> {
        @Mixin
        StackOptions stack;

        @Option(names = "--seed", description = "the schedule's seed (default: random, printed)")
        Long seed;

        @Option(names = "--duration", defaultValue = "600",
                description = "seconds of rain (default: ${DEFAULT-VALUE})")
        int durationSeconds;

        @Option(names = "--faults", defaultValue = "20",
                description = "faults to inject, one after another (default: ${DEFAULT-VALUE})")
        int faults;

        @Option(names = "--users", defaultValue = "5000", description = "default: ${DEFAULT-VALUE}")
        int users;

        @Option(names = "--rate", defaultValue = "120",
                description = "taps per second (default: ${DEFAULT-VALUE})")
        double rate;

        @Override
        public Integer call() throws Exception {
            if (durationSeconds < 30 || faults < 1 || users < 1 || rate <= 0) {
                throw new StackException("--duration is at least 30 s; --faults, --users and"
                        + " --rate are positive");
            }
            long chosen = seed != null ? seed : new SecureRandom().nextLong();
            OUT.println("chaos: seed " + chosen + " (rerun with --seed " + chosen + ")");
            stack.instances = Math.max(2, stack.instances);
            try (Stack running = Stack.start(stack.settings(PaymentChannel.Knobs.none(), true),
                    OUT)) {
                Runtime.getRuntime().addShutdownHook(new Thread(running::close));
                Chaos.Report report = new Chaos(running, OUT).run(new Chaos.Settings(chosen,
                        Duration.ofSeconds(durationSeconds), faults, users, rate));
                return report.held() ? 0 : 1;
            }
        }
    }

    @Command(name = "abuse", mixinStandardHelpOptions = true,
            description = "The abuse suite against a running stack (./redrain up): hostile"
                    + " requests of every kind; each must be refused with a 4xx problem+json and"
                    + " change no money, budget or wallet.")
    static final class AbuseCommand implements Callable<Integer> {
        @Option(names = "--run-dir", defaultValue = ".redrain/stack",
                description = "the running stack's folder (default: ${DEFAULT-VALUE})")
        Path runDirectory;

        @Override
        public Integer call() throws Exception {
            StackInfo info = running(resolve(runDirectory));
            Abuse.Report report = Abuse.run(info, OUT);
            return report.passed() ? 0 : 1;
        }
    }

    private static Path resolve(Path runDirectory) {
        return runDirectory.isAbsolute() ? runDirectory : home().resolve(runDirectory);
    }
}
