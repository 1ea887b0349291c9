package dev.redrain.settlement;

import dev.redrain.core.catalog.CatalogStore;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.core.keys.TokenHash;
import dev.redrain.core.keys.Topics;
import dev.redrain.core.ledger.LedgerWriter;
import dev.redrain.core.schema.RedrainSchema;
import dev.redrain.core.token.GrantProof;
import dev.redrain.core.token.TokenKeyRing;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import javax.sql.DataSource;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.FlowBuilder;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.flow.Flow;
import org.springframework.batch.core.job.flow.support.SimpleFlow;
import org.springframework.batch.core.listener.SkipListener;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemProcessor;
import org.springframework.batch.infrastructure.item.database.JdbcCursorItemReader;
import org.springframework.batch.infrastructure.item.database.builder.JdbcCursorItemReaderBuilder;
import org.springframework.batch.infrastructure.item.file.FlatFileItemReader;
import org.springframework.batch.infrastructure.item.file.FlatFileParseException;
import org.springframework.batch.infrastructure.item.file.builder.FlatFileItemReaderBuilder;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The {@code settlement} job: one run per business date (the identifying parameter), each step
 * named, chunk-oriented where it moves data, and restartable (a failed run resumes from the
 * failed step; completed steps are not repeated).
 *
 * <pre>
 * prepare -> (importPayments || snapshotRedis) -> match (partitioned by hash bucket)
 *         -> matchPayouts (withdrawals against PAYOUT lines) -> recheck (older open token
 *         breaks) -> clear (breaks not seen tonight) -> repair -> report
 * </pre>
 */
@Configuration
class SettlementJobConfig {
    static final String JOB = "settlement";

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean(destroyMethod = "shutdown")
    RedisClient redisClient(SettlementProperties properties) {
        return RedisClient.create(properties.redisUri());
    }

    @Bean(destroyMethod = "close")
    StatefulRedisConnection<String, String> redis(RedisClient client) {
        return client.connect();
    }

    @Bean
    RedisKeys redisKeys(SettlementProperties properties) {
        return new RedisKeys(properties.redisNamespace());
    }

    /**
     * Redrain's migrations first, then Spring Batch's metadata tables where missing. In this
     * order on purpose: Flyway refuses a non-empty schema without its history table, so Boot's
     * own Batch schema initializer (switched off in application.yml) would make a fresh
     * database unusable for the migrations.
     */
    @Bean
    SchemaMigrated schemaMigrated(DataSource dataSource) throws java.sql.SQLException {
        RedrainSchema.migrate(dataSource);
        try (java.sql.Connection connection = dataSource.getConnection()) {
            var meta = connection.getMetaData();
            boolean batchTables;
            try (var tables = meta.getTables(connection.getCatalog(), null,
                    "BATCH_JOB_INSTANCE", null)) {
                batchTables = tables.next();
            }
            if (!batchTables) {
                String script = meta.getDatabaseProductName().toLowerCase(java.util.Locale.ROOT)
                        .contains("mariadb") ? "schema-mariadb.sql" : "schema-mysql.sql";
                new org.springframework.jdbc.datasource.init.ResourceDatabasePopulator(
                        new org.springframework.core.io.ClassPathResource(
                                "org/springframework/batch/core/" + script))
                        .execute(dataSource);
            }
        }
        return new SchemaMigrated();
    }

    /** Marks that the schema is migrated before anything reads it. */
    record SchemaMigrated() {
    }

    @Bean
    SettlementRuns settlementRuns(JdbcTemplate jdbc, Clock clock, SchemaMigrated migrated) {
        return new SettlementRuns(jdbc, clock);
    }

    @Bean
    BreakStore breakStore(JdbcTemplate jdbc) {
        return new BreakStore(jdbc);
    }

    @Bean
    LegLookup legLookup(JdbcTemplate jdbc, StatefulRedisConnection<String, String> redis,
            RedisKeys keys) {
        return new LegLookup(jdbc, redis, keys);
    }

    /** What a repair must see before it re-credits a token from its Redis hash. */
    @Bean
    GrantEvidence grantEvidence(SettlementProperties properties, JdbcTemplate jdbc) {
        return new GrantEvidence(new GrantProof(TokenKeyRing.parseForVerifying(
                properties.tokenKeys())), jdbc, new Topics(properties.topicPrefix()),
                properties.kafkaBootstrap());
    }

    @Bean
    Repairer repairer(JdbcTemplate jdbc, DataSource dataSource, LegLookup lookup,
            StatefulRedisConnection<String, String> redis, RedisKeys keys, Clock clock,
            GrantEvidence evidence) {
        return new Repairer(jdbc, new LedgerWriter(dataSource, clock), lookup, redis, keys,
                clock, evidence);
    }

    @Bean
    ReportWriter reportWriter(JdbcTemplate jdbc, SettlementRuns runs) {
        return new ReportWriter(jdbc, runs);
    }

    /** A hook for fault-injection tests; production has none. */
    interface MatchFaults {
        MatchFaults NONE = chunk -> { };

        void beforeWrite(List<Break> chunk);
    }

    @Bean
    Job settlementJob(JobRepository repository, Step prepare, Step importPayments,
            Step snapshotRedis, Step match, Step matchPayouts, Step recheck, Step clear,
            Step repair, Step report) {
        // The statement import and the Redis snapshot are independent: they run side by side.
        SimpleAsyncTaskExecutor legsExecutor = new SimpleAsyncTaskExecutor("legs-");
        legsExecutor.setConcurrencyLimit(2);
        Flow importFlow = new FlowBuilder<SimpleFlow>("importFlow").start(importPayments)
                .build();
        Flow snapshotFlow = new FlowBuilder<SimpleFlow>("snapshotFlow").start(snapshotRedis)
                .build();
        Flow night = new FlowBuilder<SimpleFlow>("night").start(prepare)
                .next(new FlowBuilder<SimpleFlow>("legs").split(legsExecutor)
                        .add(importFlow, snapshotFlow).build())
                .next(match).next(matchPayouts).next(recheck).next(clear).next(repair)
                .next(report).build();
        return new JobBuilder(JOB, repository).start(night).end().build();
    }

    /** A token outTradeNo (date and time digits, then the instance); payouts are not. */
    static final String TOKEN_NUMBER = "'^[0-9]{20}[0-9A-Z]{10}$'";

    // ---- prepare: a fresh run (first, or forced) starts from clean staging -------------------

    @Bean
    Step prepare(JobRepository repository, PlatformTransactionManager tm, JdbcTemplate jdbc,
            SettlementProperties properties) {
        return new StepBuilder("prepare", repository).tasklet((contribution, chunk) -> {
            LocalDate date = businessDate(chunk.getStepContext().getJobParameters());
            boolean forced = Boolean.parseBoolean(String.valueOf(chunk.getStepContext()
                    .getJobParameters().get("force")));
            jdbc.update("DELETE FROM recon_redis_token WHERE business_date = ?", date);
            jdbc.update("DELETE FROM recon_import_error WHERE business_date = ?", date);
            jdbc.update("DELETE FROM recon_match_tally WHERE business_date = ?", date);
            if (forced) {
                // A forced rerun replaces the date's outputs: its import and the breaks it
                // opened are made again from scratch. Repairs taken stay: they happened.
                jdbc.update("DELETE FROM payment_record WHERE business_date = ? AND"
                        + " source_file = ?", date, properties.statementFile(date)
                                .getFileName().toString());
                jdbc.update("DELETE FROM recon_break WHERE first_seen_date = ? AND"
                        + " status = 'OPEN'", date);
            }
            return RepeatStatus.FINISHED;
        }, tm).build();
    }

    // ---- importPayments ------------------------------------------------------------------------

    @Bean
    @StepScope
    FlatFileItemReader<PaymentLine> paymentStatementReader(SettlementProperties properties,
            @Value("#{jobParameters['businessDate']}") LocalDate date) {
        Path file = properties.statementFile(date);
        if (!Files.isReadable(file)) {
            throw new IllegalStateException("no payment statement for " + date + ": " + file);
        }
        return new FlatFileItemReaderBuilder<PaymentLine>().name("paymentStatementReader")
                .resource(new FileSystemResource(file)).linesToSkip(1).lineMapper(
                        PaymentLine.MAPPER).build();
    }

    @Bean
    Step importPayments(JobRepository repository, PlatformTransactionManager tm,
            FlatFileItemReader<PaymentLine> paymentStatementReader, JdbcTemplate jdbc,
            SettlementProperties properties) {
        return new StepBuilder("importPayments", repository).<PaymentLine, PaymentLine>chunk(
                properties.chunkSize()).transactionManager(tm).reader(paymentStatementReader)
                .writer(lines -> {
                    LocalDate date = businessDateOfStep();
                    String source = properties.statementFile(date).getFileName().toString();
                    // INSERT IGNORE on the channel's reference: a re-read line (restart) or a
                    // line the channel repeated is stored once.
                    jdbc.batchUpdate("INSERT IGNORE INTO payment_record (payment_kind,"
                            + " out_trade_no, channel_ref, amount_minor, currency,"
                            + " channel_status, paid_at, business_date, source_file,"
                            + " source_line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            lines.getItems().stream().map(line -> new Object[] {line.kind(),
                                line.outTradeNo(), line.channelRef(), line.amountMinor(),
                                line.currency(), line.status(), Timestamp.from(line.paidAt()),
                                date, source, line.lineNumber()}).toList());
                })
                .faultTolerant().skip(FlatFileParseException.class)
                .skipLimit(properties.skipLimit())
                .skipListener(new SkipListener<PaymentLine, PaymentLine>() {
                    @Override
                    public void onSkipInRead(Throwable error) {
                        if (error instanceof FlatFileParseException bad) {
                            LocalDate date = businessDateOfStep();
                            String input = bad.getInput();
                            // The reader wraps the line mapper's exception: the innermost
                            // parse exception carries the reason.
                            FlatFileParseException reason = bad;
                            for (Throwable cause = bad.getCause(); cause != null;
                                    cause = cause.getCause()) {
                                if (cause instanceof FlatFileParseException inner) {
                                    reason = inner;
                                }
                            }
                            jdbc.update("INSERT IGNORE INTO recon_import_error (business_date,"
                                    + " source_file, line_number, reason, raw_line) VALUES (?, ?,"
                                    + " ?, ?, ?)", date, properties.statementFile(date)
                                            .getFileName().toString(), bad.getLineNumber(),
                                    reason.getMessage(), input == null ? null
                                            : input.substring(0, Math.min(1024, input.length())));
                        }
                    }
                })
                .build();
    }

    // ---- snapshotRedis -------------------------------------------------------------------------

    @Bean
    @StepScope
    RedisTokenReader redisTokenReader(StatefulRedisConnection<String, String> redis,
            RedisKeys keys, @Value("#{jobParameters['businessDate']}") LocalDate date) {
        return new RedisTokenReader(redis, keys, date);
    }

    @Bean
    Step snapshotRedis(JobRepository repository, PlatformTransactionManager tm,
            RedisTokenReader redisTokenReader, JdbcTemplate jdbc,
            SettlementProperties properties) {
        return new StepBuilder("snapshotRedis", repository)
                .<Map<String, String>, Map<String, String>>chunk(properties.chunkSize())
                .transactionManager(tm).reader(redisTokenReader).writer(hashes -> {
                    LocalDate date = businessDateOfStep();
                    jdbc.batchUpdate("INSERT INTO recon_redis_token (business_date,"
                            + " out_trade_no, bucket, act_id, activity_id, stage, award_type,"
                            + " template_id, currency, amount_minor, status, issued_at) VALUES"
                            + " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
                            + " status = VALUES(status), amount_minor = VALUES(amount_minor)",
                            hashes.getItems().stream().map(hash -> {
                                Legs.Redis token = LegLookup.fromHash(hash);
                                String outTradeNo = hash.get(TokenHash.OUT_TRADE_NO);
                                return new Object[] {date, outTradeNo,
                                    bucket(outTradeNo, properties.buckets()), token.actId(),
                                    token.activityId(), token.stage(), token.awardType(),
                                    hash.get(TokenHash.TEMPLATE_ID), token.currency(),
                                    token.amountMinor(), token.status(),
                                    token.issuedAt() == null ? null
                                            : Timestamp.from(token.issuedAt())};
                            }).toList());
                }).build();
    }

    /** The hash bucket of an outTradeNo: CRC32 of its bytes, as MySQL's CRC32() computes it. */
    static int bucket(String outTradeNo, int buckets) {
        CRC32 crc = new CRC32();
        crc.update(outTradeNo.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return (int) (crc.getValue() % buckets);
    }

    // ---- match (partitioned) -------------------------------------------------------------------

    @Bean
    Partitioner bucketRanges(SettlementProperties properties) {
        return gridSize -> {
            Map<String, ExecutionContext> partitions = new HashMap<>();
            int buckets = properties.buckets();
            int parts = properties.partitions();
            for (int i = 0; i < parts; i++) {
                ExecutionContext context = new ExecutionContext();
                context.putInt("low", i * buckets / parts);
                context.putInt("high", (i + 1) * buckets / parts - 1);
                context.putString("name", "buckets-" + i);
                partitions.put("buckets-" + i, context);
            }
            return partitions;
        };
    }

    @Bean
    @StepScope
    JdbcCursorItemReader<Legs> legsReader(DataSource dataSource, SettlementProperties properties,
            @Value("#{jobParameters['businessDate']}") LocalDate date,
            @Value("#{stepExecutionContext['low']}") Integer low,
            @Value("#{stepExecutionContext['high']}") Integer high) {
        return new JdbcCursorItemReaderBuilder<Legs>().name("legsReader").dataSource(dataSource)
                .sql(LegsQuery.SQL).queryArguments(LegsQuery.arguments(date,
                        properties.buckets(), low, high)).rowMapper(LegsQuery.ROW).build();
    }

    @Bean
    BreakClassifier breakClassifier(JdbcTemplate jdbc, SchemaMigrated migrated) {
        return new BreakClassifier(jdbc.execute((ConnectionCallback<Set<String>>)
                new CatalogStore()::withdrawableAssets));
    }

    @Bean
    @StepScope
    MatchTally matchTally(BreakClassifier classifier, JdbcTemplate jdbc,
            @Value("#{jobParameters['businessDate']}") LocalDate date,
            @Value("#{stepExecutionContext['name']}") String partition) {
        return new MatchTally(classifier, jdbc, date, partition);
    }

    @Bean
    Step matchPartition(JobRepository repository, PlatformTransactionManager tm,
            JdbcCursorItemReader<Legs> legsReader, MatchTally matchTally, BreakStore breaks,
            SettlementProperties properties,
            org.springframework.beans.factory.ObjectProvider<MatchFaults> faults) {
        return new StepBuilder("matchPartition", repository)
                .<Legs, List<Break>>chunk(properties.chunkSize()).transactionManager(tm)
                .reader(legsReader).processor(matchTally).stream(matchTally).writer(chunk -> {
                    List<Break> all = chunk.getItems().stream().flatMap(List::stream).toList();
                    faults.getIfAvailable(() -> MatchFaults.NONE).beforeWrite(all);
                    breaks.upsert(all, businessDateOfStep());
                }).build();
    }

    @Bean
    Step match(JobRepository repository, Step matchPartition, Partitioner bucketRanges,
            SettlementProperties properties) {
        SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor("match-");
        executor.setConcurrencyLimit(properties.partitions());
        return new StepBuilder("match", repository).partitioner("matchPartition", bucketRanges)
                .step(matchPartition).gridSize(properties.partitions()).taskExecutor(executor)
                .build();
    }

    // ---- matchPayouts: the night's withdrawals against the channel's PAYOUT lines -----------

    static final String PAYOUTS = "SELECT k.no, w.act_id, w.currency, w.amount_minor, w.status,"
            + " p.records, p.total, p.biggest, p.currency p_currency FROM ("
            + "   SELECT payout_out_trade_no no FROM wallet_payout WHERE debit_business_date = ?"
            + "     AND payout_out_trade_no IS NOT NULL"
            + "   UNION SELECT out_trade_no FROM payment_record WHERE business_date = ?"
            + "     AND payment_kind = 'PAYOUT'"
            + "   UNION SELECT out_trade_no FROM recon_break WHERE status = 'OPEN'"
            + "     AND first_seen_date < ? AND out_trade_no NOT REGEXP " + TOKEN_NUMBER
            + " ) k"
            + " LEFT JOIN wallet_payout w ON w.payout_out_trade_no = k.no"
            + " LEFT JOIN (SELECT out_trade_no, COUNT(*) records, SUM(amount_minor) total,"
            + "   MAX(amount_minor) biggest, MIN(currency) currency FROM payment_record"
            + "   WHERE payment_kind = 'PAYOUT' AND channel_status = 'SUCCESS'"
            + "   GROUP BY out_trade_no) p ON p.out_trade_no = k.no"
            + " ORDER BY k.no";

    @Bean
    @StepScope
    JdbcCursorItemReader<Legs> payoutsReader(DataSource dataSource,
            @Value("#{jobParameters['businessDate']}") LocalDate date) {
        return new JdbcCursorItemReaderBuilder<Legs>().name("payoutsReader")
                .dataSource(dataSource).sql(PAYOUTS).queryArguments(date, date, date)
                .rowMapper((rs, row) -> new Legs(rs.getString("no"), null,
                        rs.getString("status") == null ? null : new Legs.Ledger(
                                rs.getLong("amount_minor"), rs.getString("currency"),
                                rs.getString("act_id"), null, null, "PAYOUT",
                                rs.getString("status")),
                        rs.getInt("records") == 0 ? null : new Legs.Payment(
                                rs.getInt("records"), rs.getLong("total"),
                                rs.getLong("biggest"), rs.getString("p_currency"))))
                .build();
    }

    @Bean
    Step matchPayouts(JobRepository repository, PlatformTransactionManager tm,
            JdbcCursorItemReader<Legs> payoutsReader, BreakClassifier classifier,
            BreakStore breaks, SettlementProperties properties) {
        ItemProcessor<Legs, List<Break>> classify = legs -> {
            List<Break> found = classifier.classifyPayout(legs);
            return found.isEmpty() ? null : found;
        };
        return new StepBuilder("matchPayouts", repository)
                .<Legs, List<Break>>chunk(properties.chunkSize()).transactionManager(tm)
                .reader(payoutsReader).processor(classify).writer(chunk -> breaks.upsert(
                        chunk.getItems().stream().flatMap(List::stream).toList(),
                        businessDateOfStep())).build();
    }

    // ---- recheck: open breaks of earlier nights, one by one --------------------------------

    @Bean
    @StepScope
    JdbcCursorItemReader<Repairer.Candidate> olderOpenBreaks(DataSource dataSource,
            @Value("#{jobParameters['businessDate']}") LocalDate date) {
        return new JdbcCursorItemReaderBuilder<Repairer.Candidate>().name("olderOpenBreaks")
                .dataSource(dataSource).sql(CANDIDATES + " WHERE status IN ('OPEN', 'UNPROVEN')"
                        + " AND out_trade_no NOT LIKE ? AND first_seen_date < ? AND out_trade_no"
                        + " REGEXP " + TOKEN_NUMBER + " ORDER BY break_id")
                .queryArguments(date.toString().replace("-", "") + "%", date)
                .rowMapper(CANDIDATE).build();
    }

    @Bean
    Step recheck(JobRepository repository, PlatformTransactionManager tm,
            JdbcCursorItemReader<Repairer.Candidate> olderOpenBreaks, LegLookup lookup,
            BreakClassifier classifier, BreakStore breaks, SettlementProperties properties) {
        ItemProcessor<Repairer.Candidate, List<Break>> reclassify = candidate -> {
            Legs.Redis known = candidate.redisAmountMinor() == null ? null : new Legs.Redis(
                    candidate.redisStatus(), candidate.redisAmountMinor(),
                    candidate.currency(), candidate.actId(), candidate.activityId(),
                    candidate.stage(), candidate.awardType(), null);
            List<Break> found = classifier.classify(lookup.legs(candidate.outTradeNo(),
                    candidate.actId(), known));
            return found.isEmpty() ? null : found;
        };
        return new StepBuilder("recheck", repository)
                .<Repairer.Candidate, List<Break>>chunk(properties.chunkSize())
                .transactionManager(tm).reader(olderOpenBreaks).processor(reclassify)
                .writer(chunk -> breaks.upsert(chunk.getItems().stream().flatMap(List::stream)
                        .toList(), businessDateOfStep())).build();
    }

    @Bean
    Step clear(JobRepository repository, PlatformTransactionManager tm, BreakStore breaks) {
        return new StepBuilder("clear", repository).tasklet((contribution, chunk) -> {
            breaks.clearUnseen(businessDate(chunk.getStepContext().getJobParameters()));
            return RepeatStatus.FINISHED;
        }, tm).build();
    }

    // ---- repair --------------------------------------------------------------------------------

    static final String CANDIDATES = "SELECT break_id, out_trade_no, act_id, category,"
            + " redis_status, redis_amount_minor, currency, activity_id, stage, award_type,"
            + " issued_at FROM recon_break";

    static final org.springframework.jdbc.core.RowMapper<Repairer.Candidate> CANDIDATE =
            (rs, row) -> new Repairer.Candidate(rs.getLong("break_id"),
                    rs.getString("out_trade_no"), rs.getString("act_id"),
                    Break.Category.valueOf(rs.getString("category")),
                    rs.getString("redis_status"), (Long) rs.getObject("redis_amount_minor",
                            Long.class), rs.getString("currency"), rs.getString("activity_id"),
                    rs.getString("stage"), rs.getString("award_type"));

    @Bean
    @StepScope
    JdbcCursorItemReader<Repairer.Candidate> repairCandidates(DataSource dataSource,
            SettlementProperties properties, Clock clock,
            @Value("#{jobParameters['businessDate']}") LocalDate date) {
        Instant issuedBefore = clock.instant().minus(properties.repairGrace());
        return new JdbcCursorItemReaderBuilder<Repairer.Candidate>().name("repairCandidates")
                .dataSource(dataSource).sql(CANDIDATES + " WHERE status = 'OPEN'"
                        + " AND last_seen_date = ? AND (category = 'STATUS_MISMATCH'"
                        + " OR (category = 'ISSUED_NOT_CREDITED' AND issued_at < ?))"
                        + " ORDER BY break_id")
                .queryArguments(date, Timestamp.from(issuedBefore)).rowMapper(CANDIDATE)
                .build();
    }

    @Bean
    Step repair(JobRepository repository, PlatformTransactionManager tm,
            JdbcCursorItemReader<Repairer.Candidate> repairCandidates, Repairer repairer,
            SettlementProperties properties) {
        return new StepBuilder("repair", repository)
                .<Repairer.Candidate, Repairer.Candidate>chunk(100).transactionManager(tm)
                .reader(repairCandidates).writer(chunk -> {
                    for (Repairer.Candidate candidate : chunk.getItems()) {
                        repairer.repair(candidate, businessDateOfStep());
                    }
                }).build();
    }

    // ---- report --------------------------------------------------------------------------------

    @Bean
    Step report(JobRepository repository, PlatformTransactionManager tm, ReportWriter reports,
            SettlementProperties properties) {
        return new StepBuilder("report", repository).tasklet((contribution, chunk) -> {
            reports.write(properties.reportDir(), businessDate(chunk.getStepContext()
                    .getJobParameters()));
            return RepeatStatus.FINISHED;
        }, tm).build();
    }

    // ---- helpers -------------------------------------------------------------------------------

    static LocalDate businessDate(Map<String, Object> jobParameters) {
        Object value = jobParameters.get("businessDate");
        return value instanceof LocalDate date ? date : LocalDate.parse(value.toString());
    }

    /** The business date of the step running on this thread. */
    static LocalDate businessDateOfStep() {
        var context = org.springframework.batch.core.scope.context.StepSynchronizationManager
                .getContext();
        return businessDate(context.getJobParameters());
    }
}
