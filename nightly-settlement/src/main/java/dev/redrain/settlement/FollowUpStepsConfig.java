package dev.redrain.settlement;

import java.time.Clock;
import java.time.LocalDate;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ItemProcessor;
import org.springframework.batch.infrastructure.item.ItemWriter;
import org.springframework.batch.infrastructure.item.database.JdbcCursorItemReader;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * What follows the match: {@code recheck} reads again the open token breaks of earlier nights,
 * {@code clear} closes the breaks tonight did not see, {@code repair} clears the breaks a
 * repair may, and {@code report} writes finance's files.
 */
@Configuration
class FollowUpStepsConfig {
    /** Repairs take row locks and call Redis: smaller chunks than the match's. */
    private static final int REPAIR_CHUNK = 100;

    @Bean
    @StepScope
    JdbcCursorItemReader<Repairer.Candidate> olderOpenBreaks(DataSource dataSource,
            @Value("#{jobParameters['businessDate']}") LocalDate date) {
        return BreakCandidates.olderOpen(dataSource, date);
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
                .writer(new BreakWriter(breaks, MatchFaults.NONE)).build();
    }

    @Bean
    Step clear(JobRepository repository, PlatformTransactionManager tm, BreakStore breaks) {
        return new StepBuilder("clear", repository).tasklet((contribution, chunk) -> {
            breaks.clearUnseen(StepDates.businessDate(chunk.getStepContext()
                    .getJobParameters()));
            breaks.applyResolutions();
            return RepeatStatus.FINISHED;
        }, tm).build();
    }

    @Bean
    @StepScope
    JdbcCursorItemReader<Repairer.Candidate> repairCandidates(DataSource dataSource,
            SettlementProperties properties, Clock clock,
            @Value("#{jobParameters['businessDate']}") LocalDate date) {
        return BreakCandidates.repairable(dataSource, date,
                clock.instant().minus(properties.repairGrace()));
    }

    @Bean
    Step repair(JobRepository repository, PlatformTransactionManager tm,
            JdbcCursorItemReader<Repairer.Candidate> repairCandidates, Repairer repairer) {
        ItemWriter<Repairer.Candidate> repairEach = chunk -> {
            for (Repairer.Candidate candidate : chunk.getItems()) {
                repairer.repair(candidate, StepDates.ofStep());
            }
        };
        return new StepBuilder("repair", repository)
                .<Repairer.Candidate, Repairer.Candidate>chunk(REPAIR_CHUNK)
                .transactionManager(tm).reader(repairCandidates).writer(repairEach).build();
    }

    @Bean
    Step report(JobRepository repository, PlatformTransactionManager tm, ReportWriter reports,
            SettlementProperties properties) {
        return new StepBuilder("report", repository).tasklet((contribution, chunk) -> {
            LocalDate date = StepDates.businessDate(chunk.getStepContext().getJobParameters());
            reports.write(properties.reportDir(), date, StepDates.run(chunk.getStepContext()
                    .getJobParameters()), properties.statementFile(date));
            return RepeatStatus.FINISHED;
        }, tm).build();
    }
}
