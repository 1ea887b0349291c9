package dev.redrain.settlement;

import dev.redrain.core.keys.RedisKeys;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.file.FlatFileItemReader;
import org.springframework.batch.infrastructure.item.file.FlatFileParseException;
import org.springframework.batch.infrastructure.item.file.builder.FlatFileItemReaderBuilder;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.FileSystemResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The legs flow, two steps the job runs side by side: {@code importPayments} reads the
 * channel's statement into {@code payment_record}, {@code snapshotRedis} stages the night's
 * Redis token hashes. The ledger leg needs no step: the match reads it where it is.
 */
@Configuration
class LegsStepsConfig {
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
