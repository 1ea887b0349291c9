package dev.redrain.settlement;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.core.keys.Topics;
import dev.redrain.core.ledger.LedgerWriter;
import dev.redrain.core.schema.RedrainSchema;
import dev.redrain.core.token.GrantProof;
import dev.redrain.core.token.TokenKeyRing;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.FlowBuilder;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.flow.Flow;
import org.springframework.batch.core.job.flow.support.SimpleFlow;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The {@code settlement} job: one run per business date (the identifying parameter), each step
 * named, chunk-oriented where it moves data, and restartable (a failed run resumes from the
 * failed step; completed steps are not repeated).
 *
 * <pre>
 * prepare -> (verifyStatement -> importPayments || snapshotRedis) -> match (partitioned)
 *         -> matchPayouts (withdrawals against PAYOUT lines) -> matchFees (fees of their own)
 *         -> recheck (older open token breaks) -> clear (breaks not seen tonight) -> repair
 *         -> report
 * </pre>
 *
 * <p>This class holds what the steps share and the job's flow; each step lives with its flow:
 * {@link LegsStepsConfig} (import, snapshot), {@link MatchStepsConfig} (match, payouts) and
 * {@link FollowUpStepsConfig} (recheck, clear, repair, report).
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
    SchemaMigrated schemaMigrated(DataSource dataSource) throws SQLException {
        RedrainSchema.migrate(dataSource);
        try (Connection connection = dataSource.getConnection()) {
            var meta = connection.getMetaData();
            boolean batchTables;
            try (var tables = meta.getTables(connection.getCatalog(), null,
                    "BATCH_JOB_INSTANCE", null)) {
                batchTables = tables.next();
            }
            if (!batchTables) {
                String script = meta.getDatabaseProductName().toLowerCase(Locale.ROOT)
                        .contains("mariadb") ? "schema-mariadb.sql" : "schema-mysql.sql";
                new ResourceDatabasePopulator(new ClassPathResource(
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
    BreakStore breakStore(JdbcTemplate jdbc, SettlementProperties properties) {
        return new BreakStore(jdbc, properties.timing());
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
    ReportWriter reportWriter(JdbcTemplate jdbc, SettlementRuns runs, Clock clock) {
        return new ReportWriter(jdbc, runs, clock);
    }

    @Bean
    Job settlementJob(JobRepository repository, Step prepare, Step verifyStatement,
            Step importPayments, Step snapshotRedis, Step match, Step matchPayouts,
            Step matchFees, Step recheck, Step clear, Step repair, Step report) {
        // The statement import and the Redis snapshot are independent: they run side by side.
        SimpleAsyncTaskExecutor legsExecutor = new SimpleAsyncTaskExecutor("legs-");
        legsExecutor.setConcurrencyLimit(2);
        Flow importFlow = new FlowBuilder<SimpleFlow>("importFlow").start(importPayments)
                .build();
        Flow snapshotFlow = new FlowBuilder<SimpleFlow>("snapshotFlow").start(snapshotRedis)
                .build();
        // The statement is verified before prepare clears anything: a bill refused on a forced
        // rerun leaves the night it would have replaced as it was.
        Flow night = new FlowBuilder<SimpleFlow>("night").start(verifyStatement).next(prepare)
                .next(new FlowBuilder<SimpleFlow>("legs").split(legsExecutor)
                        .add(importFlow, snapshotFlow).build())
                .next(match).next(matchPayouts).next(matchFees).next(recheck).next(clear)
                .next(repair).next(report).build();
        return new JobBuilder(JOB, repository).start(night).end().build();
    }

    @Bean
    Step prepare(JobRepository repository, PlatformTransactionManager tm, JdbcTemplate jdbc,
            SettlementProperties properties) {
        return new StepBuilder("prepare", repository).tasklet(new PrepareTasklet(jdbc,
                properties), tm).build();
    }
}
