package dev.redrain.bench;

import dev.redrain.core.activity.Outcome;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenCredited;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.keys.Topics;
import dev.redrain.core.ledger.CreditRequest;
import dev.redrain.core.ledger.CreditSource;
import dev.redrain.core.ledger.LedgerWriter;
import dev.redrain.core.money.Money;
import dev.redrain.core.token.GrantProof;
import dev.redrain.core.token.TokenKeyRing;
import dev.redrain.credit.CreditJob;
import dev.redrain.credit.CreditSinkSettings;
import dev.redrain.credit.GrantCheckSettings;
import dev.redrain.credit.LedgerCreditSink;
import dev.redrain.testsupport.CatalogRows;
import dev.redrain.testsupport.EmbeddedKafka;
import dev.redrain.testsupport.RedisExtension;
import dev.redrain.testsupport.TestServices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Credit job throughput and lag against the raw limit of the resource it stands on, all in one
 * run on the same MariaDB, Redis and (embedded) Kafka:
 * <ol>
 *   <li><b>raw</b>: the rows the ledger writes per token (one journal row, two entry rows)
 *       inserted with multi-row JDBC batches, one transaction per batch, ids assigned by the
 *       client, over 1 and 2 connections: no lookups, no balances, no Redis, no Kafka;</li>
 *   <li><b>ledger path</b>: the same batches through {@link LedgerWriter}, 1 and 2 threads;</li>
 *   <li><b>job, parallelism 1 and 2</b>: the warm-up tokens and then the same number of
 *       token events preloaded in Kafka, credited by the real job on a local MiniCluster
 *       (ledger with balances, Redis CREDITED, TokenCredited to Kafka, checkpoints every 5 s),
 *       timed from the last warm-up journal to the last journal;</li>
 *   <li><b>lag</b>: a producer at a steady rate; lag per token is the TokenCredited event's
 *       creditedAt minus the token's issuedAt.</li>
 * </ol>
 * Raw, ledger path and job run in interleaved rounds; each figure is the median of its rounds,
 * each ratio is also given per round.
 * Options: {@code --tokens 200000 --users 50000 --partitions 4 --batch-size 500
 * --lag-rate R --lag-seconds 30 --warmup-tokens 100000 --max-parallelism 2 --rounds 3}
 * ({@code --lag-seconds 0} skips the lag, {@code --max-parallelism 1} the parallelism-2 rows);
 * without {@code --lag-rate} the lag is measured at half the parallelism-1 job's median
 * throughput (a steady load the job can carry). Writes a Markdown table to stdout and to
 * {@code bench/target/credit-job.md}.
 */
public final class CreditJobBenchmark {
    /** This run's token key ring: events are proven with it, the job verifies with it. */
    private static final String TOKEN_KEYS = "b1:" + Base64.getEncoder()
            .encodeToString(new SecureRandom().generateSeed(32));
    private static final GrantProof GRANT_PROOF = new GrantProof(TokenKeyRing.parse(TOKEN_KEYS,
            "b1"));
    private static final LocalDate BUSINESS_DATE = LocalDate.of(2027, 2, 10);
    private static final EventSerde SERDE = new EventSerde();
    private static final Duration WAIT_MAX = Duration.ofMinutes(10);
    private static final Duration JIT_WAIT_MAX = Duration.ofSeconds(60);

    private final int tokens;
    private final int users;
    private final int partitions;
    private final int batchSize;
    private final int lagRate;
    private final int lagSeconds;
    private final boolean secondParallelism;
    private final int warmupTokens;
    private final int rounds;
    private final EmbeddedKafka kafka;
    private final List<String> report = new ArrayList<>();
    /** Redis namespaces of the job runs, deleted at the end: a benchmark leaves nothing behind. */
    private final List<String> namespaces = new ArrayList<>();

    private CreditJobBenchmark(ParameterTool parameters, EmbeddedKafka kafka) {
        tokens = parameters.getInt("tokens", 200_000);
        users = parameters.getInt("users", 50_000);
        partitions = parameters.getInt("partitions", 4);
        batchSize = parameters.getInt("batch-size", 500);
        lagRate = parameters.getInt("lag-rate", 0);
        lagSeconds = parameters.getInt("lag-seconds", 30);
        secondParallelism = parameters.getInt("max-parallelism", 2) >= 2;
        warmupTokens = parameters.getInt("warmup-tokens", 100_000);
        rounds = parameters.getInt("rounds", 3);
        this.kafka = kafka;
    }

    public static void main(String[] args) throws Exception {
        ParameterTool parameters = ParameterTool.fromArgs(args);
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            CreditJobBenchmark benchmark = new CreditJobBenchmark(parameters, kafka);
            try {
                benchmark.run();
            } finally {
                // Each run marks hundreds of thousands of tokens CREDITED in Redis; left there,
                // they slowed every SCAN of later test runs on the same Redis (3.8M keys once).
                for (String namespace : benchmark.namespaces) {
                    RedisExtension.deleteNamespace(TestServices.redisUri(), namespace);
                }
            }
        }
        System.exit(0);
    }

    private void run() throws Exception {
        List<TokenIssued> events = generate(tokens, new Random(42));
        System.out.printf(Locale.ROOT, "%d tokens over %d users, %d partitions, batch %d%n",
                tokens, users, partitions, batchSize);
        // A credit job runs for hours; what counts is its steady state, not the seconds in
        // which the JIT compiles Flink, Kafka, Lettuce and the driver (on 2 cores the compiler
        // threads took 40% of the CPU of an unwarmed 100,000-token run, and still as much in a
        // fresh job right after a warm-up job, from the MiniCluster's own start). So the raw and
        // ledger paths first run once on other tokens, each job run credits the warm-up tokens
        // first, and every measurement starts once the JIT compiler has caught up.
        List<TokenIssued> warmup = generate(warmupTokens, new Random(4242));
        if (warmupTokens > 0) {
            System.out.printf(Locale.ROOT, "warm-up: %,.0f raw, %,.0f ledger tokens/s (not"
                    + " reported)%n", rawInsert(warmup, 1).rate, ledgerPath(warmup, 1).rate);
            // A whole job on the warm-up tokens first: without it the compilers still worked
            // 8 of the 17 s of the measured parallelism-1 job (1.8 of 13 s in the parallelism-2
            // job that followed it), on the same cores as the job.
            System.out.printf(Locale.ROOT, "warm-up job: %,.0f tokens/s (not reported)%n",
                    job(List.of(), warmup, 1).rate);
        }
        // Rounds of raw, ledger path and job, interleaved, each figure the median of its
        // rounds: on this shared machine one measurement moves by 20-30% from one run to the
        // next (the raw insert alone read 14,000-21,000 tokens/s in one afternoon), and the
        // interleaving gives each part the same drift.
        Rounds p1 = rounds(warmup, events, 1);
        report.add("| Measurement | Tokens/s (median) | Ratio to raw, same parallelism"
                + " (medians; each round) | CPU meanwhile (median round) |");
        report.add("|---|---:|---:|---|");
        report.add(row("Raw multi-row JDBC insert of the same rows (1 journal + 2 entries per"
                + " token), 1 connection", p1.raw, p1.raw));
        report.add(row("Ledger write path alone (LedgerWriter.creditBatch: accounts, journals,"
                + " entries, balances), 1 thread", p1.ledger, p1.raw));
        report.add(row("**Credit job, parallelism 1**", p1.job, p1.raw));
        if (secondParallelism) {
            Rounds p2 = rounds(warmup, events, 2);
            report.add(row("Raw insert, 2 connections", p2.raw, p2.raw));
            report.add(row("Ledger write path alone, 2 threads (tokens split by actId)",
                    p2.ledger, p2.raw));
            report.add(row("**Credit job, parallelism 2**", p2.job, p2.raw));
            report.add("");
            report.add(String.format(Locale.ROOT, "Scaling from parallelism 1 to 2 (medians):"
                    + " job x%.2f, raw insert x%.2f.", median(p2.job).rate / median(p1.job).rate,
                    median(p2.raw).rate / median(p1.raw).rate));
        }
        if (lagSeconds > 0) {
            report.add("");
            report.addAll(lag(lagRate > 0 ? lagRate
                    : (int) Math.max(100, Math.round(median(p1.job).rate / 2 / 100) * 100)));
        }
        String table = String.join("\n", report);
        System.out.println(table);
        Path out = Path.of("bench", "target", "credit-job.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table + "\n");
    }

    /** One measurement per round, in round order. */
    private record Rounds(List<Measured> raw, List<Measured> ledger, List<Measured> job) {
    }

    private Rounds rounds(List<TokenIssued> warmup, List<TokenIssued> events, int parallelism)
            throws Exception {
        Rounds rounds = new Rounds(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (int round = 1; round <= this.rounds; round++) {
            quiet("round " + round + " raw p" + parallelism);
            rounds.raw.add(rawInsert(events, parallelism));
            quiet("round " + round + " ledger p" + parallelism);
            rounds.ledger.add(ledgerPath(events, parallelism));
            rounds.job.add(job(warmup, events, parallelism));
            System.out.printf(Locale.ROOT, "round %d p%d: raw %,.0f, ledger %,.0f, job %,.0f"
                    + " tokens/s%n", round, parallelism, rounds.raw.get(round - 1).rate,
                    rounds.ledger.get(round - 1).rate, rounds.job.get(round - 1).rate);
        }
        return rounds;
    }

    private static Measured median(List<Measured> measured) {
        List<Measured> sorted = new ArrayList<>(measured);
        sorted.sort(Comparator.comparingDouble(Measured::rate));
        return sorted.get(sorted.size() / 2);
    }

    private static String row(String name, List<Measured> measured, List<Measured> raw) {
        StringBuilder each = new StringBuilder();
        for (int i = 0; i < measured.size(); i++) {
            each.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f%%",
                    100.0 * measured.get(i).rate / raw.get(i).rate));
        }
        Measured middle = median(measured);
        return String.format(Locale.ROOT, "| %s | %,.0f | %.0f%% (%s) | %s |", name,
                middle.rate, 100.0 * middle.rate / median(raw).rate, each, middle.cores);
    }

    /** Tokens per second, and the CPU each part used meanwhile. */
    private record Measured(double rate, String cores) {
    }

    private List<TokenIssued> generate(int count, Random random) {
        OutTradeNoGenerator outTradeNos = OutTradeNoGenerator.withRandomInstance(
                Clock.systemUTC(), ZoneId.of("Asia/Shanghai"));
        List<TokenIssued> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            events.add(token(outTradeNos.next(), "A" + random.nextInt(users),
                    1 + random.nextInt(888), i, Instant.now()));
        }
        return events;
    }

    private static TokenIssued token(String outTradeNo, String actId, long amountMinor,
            int rain, Instant issuedAt) {
        TokenIssued event = new TokenIssued("ev-" + outTradeNo, outTradeNo,
                actId + "_scene-1_rain-" + rain + "_CASH_FORMAL", "douyin", actId,
                "spring-2027", "spring-2027-formal", Stage.FORMAL, "scene-1", "rain-" + rain,
                "cash-888", "cash-888", "CASH", Outcome.AWARDED, amountMinor, "CNY", issuedAt,
                BUSINESS_DATE, null);
        // Signed as the issuance service signs: the job verifies every proof it books.
        return event.withGrantProof(GRANT_PROOF.sign(event.grant()));
    }

    /**
     * The raw limit: the same rows, batched and committed like the job's batches, with ids
     * assigned by the client, over {@code connections} connections each inserting its share.
     */
    private Measured rawInsert(List<TokenIssued> events, int connections) throws Exception {
        try (BenchDatabase db = new BenchDatabase("raw" + connections)) {
            ExecutorService pool = Executors.newFixedThreadPool(connections);
            try {
                CpuMeter cpu = CpuMeter.start();
                long start = System.nanoTime();
                List<Future<?>> runs = new ArrayList<>();
                for (int share = 0; share < connections; share++) {
                    int first = share;
                    runs.add(pool.submit(() -> {
                        rawInsertShare(db, events, first, connections);
                        return null;
                    }));
                }
                for (Future<?> run : runs) {
                    run.get();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                String cores = cpu.sinceStart();
                if (db.count("SELECT COUNT(*) FROM ledger_entry") != 2L * events.size()) {
                    throw new IllegalStateException("raw insert lost rows");
                }
                return new Measured(events.size() / seconds, cores);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Inserts events first, first + step, ...; journal id = index + 1. */
    private void rawInsertShare(BenchDatabase db, List<TokenIssued> events, int first, int step)
            throws SQLException {
        try (Connection connection = db.dataSource.getConnection()) {
            connection.setAutoCommit(false);
            List<Integer> indexes = new ArrayList<>();
            for (int i = first; i < events.size(); i += step) {
                indexes.add(i);
            }
            for (int from = 0; from < indexes.size(); from += batchSize) {
                List<Integer> batch = indexes.subList(from, Math.min(indexes.size(),
                        from + batchSize));
                try (PreparedStatement journals = connection.prepareStatement("INSERT INTO"
                        + " ledger_journal (journal_id, out_trade_no, journal_type, act_id,"
                        + " activity_id, stage, award_type, currency, amount_minor, business_date,"
                        + " source, writer_txn_id, created_at) VALUES"
                        + " (?, ?, 'TOKEN_CREDIT', ?, ?, ?, ?, ?, ?, ?, 'STREAM', 1, ?)");
                        PreparedStatement entries = connection.prepareStatement("INSERT INTO"
                                + " ledger_entry (journal_id, account_id, amount_minor, currency,"
                                + " created_at) VALUES (?, ?, ?, ?, ?)")) {
                    Timestamp now = Timestamp.from(Instant.now());
                    for (int index : batch) {
                        TokenIssued event = events.get(index);
                        long journalId = index + 1L;
                        journals.setLong(1, journalId);
                        journals.setString(2, event.outTradeNo());
                        journals.setString(3, event.actId());
                        journals.setString(4, event.activityId());
                        journals.setString(5, event.stage().name());
                        journals.setString(6, event.awardType());
                        journals.setString(7, event.currency());
                        journals.setLong(8, event.amountMinor());
                        journals.setDate(9, Date.valueOf(event.businessDate()));
                        journals.setTimestamp(10, now);
                        journals.addBatch();
                        for (long sign : new long[] {-1, 1}) {
                            entries.setLong(1, journalId);
                            entries.setLong(2, sign < 0 ? 1 : 1 + Math.abs(event.actId()
                                    .hashCode() % 100_000));
                            entries.setLong(3, sign * event.amountMinor());
                            entries.setString(4, event.currency());
                            entries.setTimestamp(5, now);
                            entries.addBatch();
                        }
                    }
                    journals.executeBatch();
                    entries.executeBatch();
                }
                connection.commit();
            }
        }
    }

    /**
     * The job's ledger write path without Flink, Redis or Kafka: the same batches through
     * {@link LedgerWriter#creditBatch}, tokens split between threads by actId as the job's keyBy
     * splits them between subtasks.
     */
    private Measured ledgerPath(List<TokenIssued> events, int threads) throws Exception {
        try (BenchDatabase db = new BenchDatabase("ledger" + threads)) {
            // The ledger holds credits to their stage's budget, as in the job's database.
            CatalogRows.uniformTemplate(db.dataSource, "spring-2027", "spring-2027-formal",
                    "FORMAL", "cash-888", "CASH", "CNY", 888, Long.MAX_VALUE / 4);
            LedgerWriter ledger = new LedgerWriter(db.dataSource, Clock.systemUTC());
            List<List<CreditRequest>> shares = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                shares.add(new ArrayList<>());
            }
            for (TokenIssued event : events) {
                shares.get(Math.floorMod(event.actId().hashCode(), threads)).add(new CreditRequest(
                        event.outTradeNo(), event.actId(), event.activityId(), event.stage(),
                        event.awardType(), Money.of(event.amountMinor(), event.currency()),
                        event.businessDate(), CreditSource.STREAM));
            }
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CpuMeter cpu = CpuMeter.start();
                long start = System.nanoTime();
                List<Future<?>> runs = new ArrayList<>();
                for (List<CreditRequest> share : shares) {
                    runs.add(pool.submit(() -> {
                        for (int from = 0; from < share.size(); from += batchSize) {
                            ledger.creditBatch(share.subList(from, Math.min(share.size(),
                                    from + batchSize)));
                        }
                    }));
                }
                for (Future<?> run : runs) {
                    run.get();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                String cores = cpu.sinceStart();
                checkBalanced(db, events.size());
                return new Measured(events.size() / seconds, cores);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * Preloads the warm-up tokens and then the events, runs the job, and times it from the
     * moment the warm-up tokens are credited (from the first journal without warm-up) to the
     * last journal.
     */
    private Measured job(List<TokenIssued> warmup, List<TokenIssued> events, int parallelism)
            throws Exception {
        Topics topics = freshTopics();
        List<TokenIssued> all = new ArrayList<>(warmup);
        all.addAll(events);
        publish(topics, all, 0, 1);
        long startAt = Math.max(1, warmup.size());
        try (BenchDatabase db = new BenchDatabase("p" + parallelism)) {
            JobClient job = startJob(db, topics, parallelism);
            try {
                long deadline = System.nanoTime() + WAIT_MAX.toNanos();
                long startedAt = 0;
                long countAtStart = 0;
                long count = 0;
                CpuMeter cpu = null;
                long compiledBefore = 0;
                while (count < all.size()) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("job credited only " + count);
                    }
                    Thread.sleep(50);
                    // MAX on the primary key is one index dive; COUNT(*) scans an index, and
                    // every 50 ms it would take a share of the database the job needs. Ids only
                    // grow and may have gaps, so the count is at most the highest id: count only
                    // when that says a mark may have been reached.
                    long highest = db.count("SELECT COALESCE(MAX(journal_id), 0) FROM"
                            + " ledger_journal");
                    if (startedAt == 0 && highest >= startAt) {
                        countAtStart = db.count("SELECT COUNT(*) FROM ledger_journal");
                        if (countAtStart >= startAt) {
                            PhaseProfiler.start();
                            cpu = CpuMeter.start();
                            compiledBefore = JitQuiet.compileMillis();
                            startedAt = System.nanoTime();
                        }
                    }
                    if (startedAt != 0 && highest >= all.size()) {
                        count = db.count("SELECT COUNT(*) FROM ledger_journal");
                    }
                }
                double seconds = (System.nanoTime() - startedAt) / 1e9;
                String cores = cpu.sinceStart();
                PhaseProfiler.stop("job-p" + parallelism);
                System.out.printf(Locale.ROOT, "job p%d: %,d tokens in %.1f s; the JIT compilers"
                        + " worked %.1f s meanwhile%n", parallelism, all.size() - countAtStart,
                        seconds, (JitQuiet.compileMillis() - compiledBefore) / 1e3);
                checkBalanced(db, all.size());
                return new Measured((all.size() - countAtStart) / seconds, cores);
            } finally {
                job.cancel().get();
            }
        }
    }

    private static void quiet(String before) throws InterruptedException {
        System.out.println(before + ": " + JitQuiet.await(JIT_WAIT_MAX));
    }

    /** Lag at a steady input rate, at parallelism 1. */
    private List<String> lag(int rate) throws Exception {
        Topics topics = freshTopics();
        int count = rate * lagSeconds;
        List<String> lines = new ArrayList<>();
        try (BenchDatabase db = new BenchDatabase("lag")) {
            JobClient job = startJob(db, topics, 1);
            try {
                Thread.sleep(3_000);
                publish(topics, List.of(), count, rate);
                long[] lagsMs = creditedLags(topics, count);
                checkBalanced(db, count);
                Arrays.sort(lagsMs);
                lines.add(String.format(Locale.ROOT, "Lag from issue to credit at a steady %,d"
                        + " tokens/s for %d s (parallelism 1, batch flush 200 ms):", rate,
                        lagSeconds));
                lines.add("");
                lines.add("| p50 | p95 | p99 | max |");
                lines.add("|---:|---:|---:|---:|");
                lines.add(String.format(Locale.ROOT, "| %d ms | %d ms | %d ms | %d ms |",
                        percentile(lagsMs, 50), percentile(lagsMs, 95), percentile(lagsMs, 99),
                        lagsMs[lagsMs.length - 1]));
            } finally {
                job.cancel().get();
            }
        }
        return lines;
    }

    private static long percentile(long[] sorted, int percent) {
        int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private JobClient startJob(BenchDatabase db, Topics topics, int parallelism)
            throws Exception {
        String namespace = "bench" + UUID.randomUUID().toString().substring(0, 6);
        namespaces.add(namespace);
        CreditSinkSettings settings = new CreditSinkSettings(db.jdbcUrl,
                TestServices.databaseUser(), TestServices.databasePassword(),
                TestServices.redisUri(), namespace, kafka.bootstrapServers(), topics.prefix(),
                batchSize, 200, 3600);
        ParameterTool parameters = ParameterTool.fromMap(Map.of(CreditJob.KAFKA_GROUP,
                "bench-" + topics.prefix()));
        CatalogRows.uniformTemplate(db.dataSource, "spring-2027", "spring-2027-formal", "FORMAL",
                "cash-888", "CASH", "CNY", 888, Long.MAX_VALUE / 4);
        CreditJob job = new CreditJob(CreditJob.kafkaSource(parameters, kafka.bootstrapServers(),
                topics), new GrantCheckSettings(TOKEN_KEYS, db.jdbcUrl,
                        TestServices.databaseUser(), TestServices.databasePassword()),
                new LedgerCreditSink(settings),
                CreditJob.deadLetterSink(kafka.bootstrapServers(), topics));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(
                parallelism, new Configuration());
        env.enableCheckpointing(5_000, CheckpointingMode.EXACTLY_ONCE);
        job.build(env);
        return env.executeAsync("credit-bench-p" + parallelism);
    }

    private Topics freshTopics() {
        Topics topics = new Topics("b" + UUID.randomUUID().toString().substring(0, 8) + ".");
        kafka.createTopics(Map.of(topics.tokenIssued(), partitions, topics.tokenCredited(),
                partitions, topics.tokenIssuedDeadLetter(), 1));
        return topics;
    }

    /**
     * Publishes the given events, or (when {@code steadyCount} > 0) that many fresh events at
     * {@code rate} per second, each stamped with the time it is sent.
     */
    private void publish(Topics topics, List<TokenIssued> events, int steadyCount, int rate)
            throws Exception {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(properties)) {
            for (TokenIssued event : events) {
                sends.add(producer.send(new ProducerRecord<>(topics.tokenIssued(), event.actId(),
                        SERDE.serialize(event))));
            }
            OutTradeNoGenerator outTradeNos = OutTradeNoGenerator.withRandomInstance(
                    Clock.systemUTC(), ZoneId.of("Asia/Shanghai"));
            Random random = new Random(7);
            long start = System.nanoTime();
            for (int i = 0; i < steadyCount; i++) {
                long due = start + (long) (i * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                TokenIssued event = token(outTradeNos.next(), "A" + random.nextInt(users),
                        1 + random.nextInt(888), i, Instant.now());
                sends.add(producer.send(new ProducerRecord<>(topics.tokenIssued(), event.actId(),
                        SERDE.serialize(event))));
            }
            producer.flush();
        }
        for (Future<RecordMetadata> send : sends) {
            send.get(); // a lost event would make the run wait for a credit that never comes
        }
    }

    private long[] creditedLags(Topics topics, int count) throws Exception {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "lag-" + UUID.randomUUID());
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class);
        long[] lags = new long[count];
        int seen = 0;
        long deadline = System.nanoTime() + WAIT_MAX.toNanos();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(properties)) {
            consumer.subscribe(List.of(topics.tokenCredited()));
            while (seen < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    TokenCredited credited = SERDE.deserialize(record.value(), TokenCredited.class);
                    if (seen < count) {
                        lags[seen++] = Duration.between(credited.issuedAt(),
                                credited.creditedAt()).toMillis();
                    }
                }
            }
        }
        if (seen < count) {
            throw new IllegalStateException("only " + seen + " of " + count + " credited in time");
        }
        return lags;
    }

    private static void checkBalanced(BenchDatabase db, long expectedJournals) throws SQLException {
        long journals = db.count("SELECT COUNT(*) FROM ledger_journal");
        long sum = db.count("SELECT COALESCE(SUM(amount_minor), 0) FROM ledger_entry");
        if (journals != expectedJournals || sum != 0) {
            throw new IllegalStateException("ledger off after the run: " + journals
                    + " journals, entry sum " + sum);
        }
    }
}
