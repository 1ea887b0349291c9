package dev.redrain.bench.settlement;

import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.core.keys.TokenHash;
import dev.redrain.settlement.SettlementApplication;
import dev.redrain.settlement.SettlementRunner;
import dev.redrain.settlement.statement.RedrainCsvFormat;
import dev.redrain.testsupport.RedisExtension;
import dev.redrain.testsupport.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * One night of {@code --tokens} (1,000,000) tokens across the three legs, settled by the real
 * job (Spring Batch, MariaDB, Redis), timed per step, against a baseline measured in the same
 * run: one SQL full outer join of the same three legs (the Redis leg as the job staged it)
 * classifying every outTradeNo, the least a database can do for the match. One in every 10,000
 * tokens is a break (ISSUED_NOT_CREDITED, CREDITED_NOT_PAID or AMOUNT_MISMATCH). Options:
 * {@code --tokens 1000000 --partitions 4}. Writes {@code bench/target/settlement.md}.
 */
public final class SettlementBenchmark {
    private static final LocalDate NIGHT = LocalDate.of(2026, 11, 25);
    private static final int BATCH = 1_000;

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int tokens = Integer.parseInt(options.getOrDefault("tokens", "1000000"));
        int partitions = Integer.parseInt(options.getOrDefault("partitions", "4"));
        String database = "rdb_settle_" + UUID.randomUUID().toString().substring(0, 8);
        String namespace = "bs" + UUID.randomUUID().toString().substring(0, 6);
        Path work = Files.createTempDirectory("settlement-bench");
        execute(TestServices.jdbcUrl(""), "CREATE DATABASE " + database);
        RedisClient redisClient = RedisClient.create(TestServices.redisUri());
        try (StatefulRedisConnection<String, String> redis = redisClient.connect()) {
            try {
                run(database, namespace, work, tokens, partitions, redis);
            } finally {
                RedisExtension.deleteNamespace(redis.sync(), namespace);
            }
        } finally {
            // Whatever failed, even the app's start, the benchmark leaves nothing behind.
            execute(TestServices.jdbcUrl(""), "DROP DATABASE IF EXISTS " + database);
            redisClient.shutdown();
        }
        System.exit(0);
    }

    private static void run(String database, String namespace, Path work, int tokens,
            int partitions, StatefulRedisConnection<String, String> redis) throws Exception {
        ConfigurableApplicationContext app = start(database, namespace, work, partitions);
        try {
            long seedStart = System.nanoTime();
            seed(database, redis, new RedisKeys(namespace), work, tokens);
            System.out.printf(Locale.ROOT, "seeded %,d tokens in %.1f s%n", tokens,
                    (System.nanoTime() - seedStart) / 1e9);
            long jobStart = System.nanoTime();
            SettlementRunner runner = app.getBean(SettlementRunner.class);
            if (runner.settle(NIGHT, false) != 0) {
                throw new IllegalStateException("the settlement failed: "
                        + runner.lastExecution().getAllFailureExceptions());
            }
            double jobSeconds = (System.nanoTime() - jobStart) / 1e9;
            JobExecution execution = runner.lastExecution();
            long baselineStart = System.nanoTime();
            long[] baseline = baseline(database);
            double baselineSeconds = (System.nanoTime() - baselineStart) / 1e9;
            long breaks = count(database, "SELECT COUNT(*) FROM recon_break");
            String text = String.join("\n", report(tokens, partitions, execution, jobSeconds,
                    baselineSeconds, baseline, breaks));
            System.out.println(text);
            Path out = Path.of("bench", "target", "settlement.md");
            Files.createDirectories(out.getParent());
            Files.writeString(out, text + "\n");
        } finally {
            app.close();
        }
    }

    private static List<String> report(int tokens, int partitions, JobExecution execution,
            double jobSeconds, double baselineSeconds, long[] baseline, long breaks) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "%,d tokens (three legs each), %d match partitions,"
                + " %,d breaks found by the job, %,d outTradeNos disagreeing in the baseline join",
                tokens, partitions, breaks, baseline[1]));
        lines.add("");
        lines.add("| Step | Seconds |");
        lines.add("|---|---:|");
        double match = 0;
        for (StepExecution step : execution.getStepExecutions()) {
            if (step.getStepName().startsWith("matchPartition")) {
                continue;
            }
            double seconds = Duration.between(step.getStartTime(), step.getEndTime()).toMillis()
                    / 1000.0;
            if (step.getStepName().equals("match")) {
                match = seconds;
            }
            lines.add(String.format(Locale.ROOT, "| %s | %.1f |", step.getStepName(), seconds));
        }
        lines.add(String.format(Locale.ROOT, "| **Whole job** | **%.1f** |", jobSeconds));
        lines.add("");
        lines.add(String.format(Locale.ROOT, "Baseline, one SQL full outer join of the same three"
                + " legs classifying every outTradeNo: %.1f s (%,d outTradeNos). The job's match"
                + " step took %.1f s, %.0f%% of the baseline's time; the whole job %.1fx the"
                + " baseline.", baselineSeconds, baseline[0], match,
                100 * match / baselineSeconds, jobSeconds / baselineSeconds));
        lines.add(String.format(Locale.ROOT, "Throughput of the whole job: %,.0f tokens/s.",
                tokens / jobSeconds));
        return lines;
    }

    /** Outtradenos seen and outTradeNos whose legs disagree, by one SQL statement. */
    private static long[] baseline(String database) throws Exception {
        String prefix = "20261125%";
        String sql = "SELECT COUNT(*), SUM(CASE WHEN r.out_trade_no IS NULL OR j.out_trade_no IS"
                + " NULL OR r.amount_minor <> j.amount_minor OR r.status <> 'CREDITED'"
                + " OR (j.currency = 'CNY' AND (p.records IS NULL OR p.records <> 1"
                + " OR p.total <> j.amount_minor)) THEN 1 ELSE 0 END)"
                + " FROM (SELECT out_trade_no FROM recon_redis_token WHERE business_date ="
                + " '2026-11-25' UNION SELECT out_trade_no FROM ledger_journal WHERE"
                + " out_trade_no LIKE '" + prefix + "' AND journal_type = 'TOKEN_CREDIT'"
                + " UNION SELECT out_trade_no FROM payment_record WHERE out_trade_no LIKE '"
                + prefix + "' AND payment_kind = 'FUNDING' AND channel_status = 'SUCCESS') k"
                + " LEFT JOIN recon_redis_token r ON r.business_date = '2026-11-25'"
                + "   AND r.bucket = CRC32(k.out_trade_no) % 64 AND r.out_trade_no = k.out_trade_no"
                + " LEFT JOIN ledger_journal j ON j.out_trade_no = k.out_trade_no"
                + "   AND j.journal_type = 'TOKEN_CREDIT'"
                + " LEFT JOIN (SELECT out_trade_no, COUNT(*) records, SUM(amount_minor) total"
                + "   FROM payment_record WHERE out_trade_no LIKE '" + prefix + "'"
                + "   AND payment_kind = 'FUNDING' AND channel_status = 'SUCCESS'"
                + "   GROUP BY out_trade_no) p ON p.out_trade_no = k.out_trade_no";
        try (Connection connection = DriverManager.getConnection(TestServices.jdbcUrl(database),
                TestServices.databaseUser(), TestServices.databasePassword());
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return new long[] {rows.getLong(1), rows.getLong(2)};
        }
    }

    private static void seed(String database, StatefulRedisConnection<String, String> redis,
            RedisKeys keys, Path work, int tokens) throws Exception {
        ZoneId shanghai = ZoneId.of("Asia/Shanghai");
        OutTradeNoGenerator generator = new OutTradeNoGenerator(Clock.fixed(NIGHT.atTime(20, 0)
                .atZone(shanghai).toInstant(), shanghai), shanghai, "7K2M9QX4TB");
        long oldIssue = Instant.parse("2026-11-25T10:00:00Z").toEpochMilli();
        try (Connection connection = DriverManager.getConnection(TestServices.jdbcUrl(database),
                TestServices.databaseUser(), TestServices.databasePassword());
                BufferedWriter statement = Files.newBufferedWriter(work.resolve("payments-"
                        + NIGHT + ".csv"), StandardCharsets.UTF_8)) {
            connection.setAutoCommit(false);
            statement.write(RedrainCsvFormat.HEADER);
            statement.newLine();
            List<String[]> journals = new ArrayList<>(BATCH);
            List<RedisFuture<Long>> writes = new ArrayList<>(BATCH);
            for (int i = 0; i < tokens; i++) {
                String no = generator.next();
                String actId = "A" + (i % 200_000);
                long amount = 1 + (i % 888);
                int kind = i % 10_000;   // 0: not booked, 1: not funded, 2: funded 1 short
                Map<String, String> hash = new LinkedHashMap<>();
                hash.put(TokenHash.STATUS, "CREDITED");
                hash.put(TokenHash.OUT_TRADE_NO, no);
                hash.put(TokenHash.ACT_ID, actId);
                hash.put(TokenHash.ACTIVITY_ID, "bench-formal");
                hash.put(TokenHash.STAGE, "FORMAL");
                hash.put(TokenHash.AWARD_TYPE, "CASH");
                hash.put(TokenHash.AMOUNT_MINOR, Long.toString(amount));
                hash.put(TokenHash.CURRENCY, "CNY");
                hash.put(TokenHash.ISSUED_AT_MS, Long.toString(oldIssue));
                writes.add(redis.async().hset(keys.token(actId, no), hash));
                if (kind != 0) {
                    journals.add(new String[] {no, actId, Long.toString(amount)});
                }
                if (kind != 1) {
                    statement.write(no + ",CH-" + i + ",FUNDING," + (kind == 2 ? amount - 1
                            : amount) + ",CNY,SUCCESS,2026-11-25T12:00:00Z");
                    statement.newLine();
                }
                if (journals.size() == BATCH || i == tokens - 1) {
                    insertJournals(connection, journals);
                    journals.clear();
                }
                if (writes.size() == BATCH || i == tokens - 1) {
                    for (RedisFuture<Long> write : writes) {
                        write.get(30, TimeUnit.SECONDS);
                    }
                    writes.clear();
                }
            }
            connection.commit();
        }
    }

    /** Journals as the ledger writes them (the match reads journals; entries are not needed). */
    private static void insertJournals(Connection connection, List<String[]> journals)
            throws Exception {
        if (journals.isEmpty()) {
            return;
        }
        String sql = "INSERT INTO ledger_journal (out_trade_no, journal_type, act_id, activity_id,"
                + " stage, award_type, currency, amount_minor, business_date, source,"
                + " writer_txn_id) VALUES " + String.join(",", Collections.nCopies(
                        journals.size(), "(?, 'TOKEN_CREDIT', ?, 'bench-formal', 'FORMAL',"
                                + " 'CASH', 'CNY', ?, '2026-11-25', 'STREAM', 1)"));
        try (PreparedStatement insert = connection.prepareStatement(sql)) {
            int index = 1;
            for (String[] journal : journals) {
                insert.setString(index++, journal[0]);
                insert.setString(index++, journal[1]);
                insert.setLong(index++, Long.parseLong(journal[2]));
            }
            insert.executeUpdate();
        }
        connection.commit();
    }

    private static ConfigurableApplicationContext start(String database, String namespace,
            Path work, int partitions) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("spring.datasource.url", TestServices.jdbcUrl(database));
        settings.put("spring.datasource.username", TestServices.databaseUser());
        settings.put("spring.datasource.password", TestServices.databasePassword());
        settings.put("redrain.settlement.redis-uri", TestServices.redisUri());
        settings.put("redrain.settlement.redis-namespace", namespace);
        settings.put("redrain.settlement.statement-dir", work.toString());
        settings.put("redrain.settlement.report-dir", work.resolve("reports").toString());
        settings.put("redrain.settlement.partitions", Integer.toString(partitions));
        // A ring of this run's own: the night verifies grant proofs before any repair.
        byte[] tokenKey = new byte[32];
        new SecureRandom().nextBytes(tokenKey);
        settings.put("redrain.settlement.token-keys", "b1:" + Base64.getEncoder()
                .encodeToString(tokenKey));
        settings.put("redrain.settlement.command-line", "false");
        settings.put("logging.level.root", "WARN");
        return new SpringApplicationBuilder(SettlementApplication.class).run(settings.entrySet()
                .stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new));
    }

    private static long count(String database, String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(TestServices.jdbcUrl(database),
                TestServices.databaseUser(), TestServices.databasePassword());
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static void execute(String url, String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(url,
                TestServices.databaseUser(), TestServices.databasePassword());
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
