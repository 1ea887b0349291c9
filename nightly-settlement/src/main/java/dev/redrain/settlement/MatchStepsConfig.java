package dev.redrain.settlement;

import dev.redrain.core.catalog.CatalogStore;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ItemProcessor;
import org.springframework.batch.infrastructure.item.database.JdbcCursorItemReader;
import org.springframework.batch.infrastructure.item.database.builder.JdbcCursorItemReaderBuilder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The matching flow: {@code match} joins the three token legs in the database, partitioned by
 * hash bucket and run in parallel, {@code matchPayouts} sets the night's withdrawals against
 * the channel's PAYOUT lines, and {@code matchFees} the fees charged on lines of their own
 * against the contract.
 */
@Configuration
class MatchStepsConfig {
    @Bean
    BreakClassifier breakClassifier(JdbcTemplate jdbc, SettlementProperties properties,
            SettlementJobConfig.SchemaMigrated migrated) {
        return new BreakClassifier(jdbc.execute((ConnectionCallback<Set<String>>)
                new CatalogStore()::withdrawableAssets), properties.fees());
    }

    @Bean
    @StepScope
    JdbcCursorItemReader<Legs> legsReader(DataSource dataSource, SettlementProperties properties,
            @Value("#{jobParameters['businessDate']}") LocalDate date,
            @Value("#{stepExecutionContext['low']}") Integer low,
            @Value("#{stepExecutionContext['high']}") Integer high) {
        return new JdbcCursorItemReaderBuilder<Legs>().name("legsReader").dataSource(dataSource)
                .sql(LegsQuery.SQL).queryArguments(LegsQuery.arguments(date,
                        properties.buckets(), low, high, properties.fees().fundingFeePpm()))
                .rowMapper(LegsQuery.ROW).build();
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
            SettlementProperties properties, ObjectProvider<MatchFaults> faults) {
        return new StepBuilder("matchPartition", repository)
                .<Legs, List<Break>>chunk(properties.chunkSize()).transactionManager(tm)
                .reader(legsReader).processor(matchTally).stream(matchTally)
                .writer(new BreakWriter(breaks, faults.getIfAvailable(() -> MatchFaults.NONE)))
                .build();
    }

    @Bean
    Step match(JobRepository repository, Step matchPartition, SettlementProperties properties) {
        SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor("match-");
        executor.setConcurrencyLimit(properties.partitions());
        return new StepBuilder("match", repository).partitioner("matchPartition",
                new BucketRanges(properties.buckets(), properties.partitions()))
                .step(matchPartition).gridSize(properties.partitions()).taskExecutor(executor)
                .build();
    }

    @Bean
    @StepScope
    JdbcCursorItemReader<Legs> payoutsReader(DataSource dataSource,
            SettlementProperties properties,
            @Value("#{jobParameters['businessDate']}") LocalDate date) {
        return new JdbcCursorItemReaderBuilder<Legs>().name("payoutsReader")
                .dataSource(dataSource).sql(PayoutsQuery.SQL).queryArguments(
                        PayoutsQuery.arguments(date, properties.fees().payoutFeePpm()))
                .rowMapper(PayoutsQuery.ROW).build();
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
                .reader(payoutsReader).processor(classify)
                .writer(new BreakWriter(breaks, MatchFaults.NONE)).build();
    }

    @Bean
    @StepScope
    JdbcCursorItemReader<FeesQuery.FeeLeg> feesReader(DataSource dataSource,
            @Value("#{jobParameters['businessDate']}") LocalDate date) {
        return new JdbcCursorItemReaderBuilder<FeesQuery.FeeLeg>().name("feesReader")
                .dataSource(dataSource).sql(FeesQuery.SQL).queryArguments(date, date)
                .rowMapper(FeesQuery.ROW).build();
    }

    @Bean
    Step matchFees(JobRepository repository, PlatformTransactionManager tm,
            JdbcCursorItemReader<FeesQuery.FeeLeg> feesReader, BreakClassifier classifier,
            BreakStore breaks, SettlementProperties properties) {
        ItemProcessor<FeesQuery.FeeLeg, List<Break>> classify = fee -> {
            List<Break> found = classifier.classifyFee(fee);
            return found.isEmpty() ? null : found;
        };
        return new StepBuilder("matchFees", repository)
                .<FeesQuery.FeeLeg, List<Break>>chunk(properties.chunkSize())
                .transactionManager(tm).reader(feesReader).processor(classify)
                .writer(new BreakWriter(breaks, MatchFaults.NONE)).build();
    }
}
