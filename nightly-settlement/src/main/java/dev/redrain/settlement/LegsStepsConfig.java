package dev.redrain.settlement;

import dev.redrain.core.keys.RedisKeys;
import io.lettuce.core.api.StatefulRedisConnection;
import dev.redrain.settlement.statement.StatementFormat;
import dev.redrain.settlement.statement.StatementLine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.file.FlatFileItemReader;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.batch.infrastructure.item.file.FlatFileParseException;
import org.springframework.batch.infrastructure.item.file.builder.FlatFileItemReaderBuilder;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The legs flow, two steps the job runs side by side: {@code importPayments} reads the
 * channel's statement into {@code payment_record}, {@code snapshotRedis} stages the night's
 * Redis token hashes. The ledger leg needs no step: the match reads it where it is.
 */
@Configuration
class LegsStepsConfig {
    private static final String DETAIL_LINES = "statementDetailLines";

    @Bean
    @StepScope
    FlatFileItemReader<StatementLine> paymentStatementReader(SettlementProperties properties,
            @Value("#{jobParameters['businessDate']}") LocalDate date,
            @Value("#{jobExecutionContext['" + DETAIL_LINES + "']}") Integer detailLines) {
        StatementFormat format = properties.format();
        Path file = properties.statementFile(date);
        // The reader stops at the last detail line: a bill's summary rows follow it.
        return new FlatFileItemReaderBuilder<StatementLine>().name("paymentStatementReader")
                .resource(format.text(file)).encoding("UTF-8")
                .linesToSkip(format.headerLines()).maxItemCount(detailLines)
                .lineMapper(format.mapper()).build();
    }

    /**
     * Checks the whole statement before a line of it is imported (its checksum, summary rows and
     * batches where the format has them): a file that fails is refused, and the night fails
     * with the reason rather than reconcile against it.
     */
    @Bean
    Step verifyStatement(JobRepository repository, PlatformTransactionManager tm,
            SettlementProperties properties) {
        return new StepBuilder("verifyStatement", repository).tasklet((contribution, chunk) -> {
            LocalDate date = StepDates.businessDate(chunk.getStepContext().getJobParameters());
            Path file = properties.statementFile(date);
            if (!Files.isReadable(file)) {
                throw new IllegalStateException("no payment statement for " + date + ": " + file);
            }
            int detailLines = properties.format().verify(file);
            chunk.getStepContext().getStepExecution().getJobExecution().getExecutionContext()
                    .putInt(DETAIL_LINES, detailLines);
            return RepeatStatus.FINISHED;
        }, tm).build();
    }

    @Bean
    Step importPayments(JobRepository repository, PlatformTransactionManager tm,
            FlatFileItemReader<StatementLine> paymentStatementReader, JdbcTemplate jdbc,
            SettlementProperties properties) {
        return new StepBuilder("importPayments", repository).<StatementLine, StatementLine>chunk(
                properties.chunkSize()).transactionManager(tm).reader(paymentStatementReader)
                .writer(new PaymentRecordWriter(jdbc, properties))
                .faultTolerant().skip(FlatFileParseException.class)
                .skipLimit(properties.skipLimit())
                .skipListener(new ImportErrorRecorder(jdbc, properties))
                .build();
    }

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
                .transactionManager(tm).reader(redisTokenReader)
                .writer(new RedisTokenWriter(jdbc, properties.buckets())).build();
    }
}
