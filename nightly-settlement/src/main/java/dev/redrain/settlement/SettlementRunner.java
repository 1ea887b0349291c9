package dev.redrain.settlement;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.ExitCodeGenerator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * Runs the settlement of {@code --businessDate=YYYY-MM-DD} once per date:
 *
 * <ul>
 *   <li>a date whose last run failed is resumed: same job instance, Spring Batch restarts it
 *       from the failed step;</li>
 *   <li>a completed date is refused (exit 2) unless {@code --force}: then a new instance runs,
 *       replacing the date's outputs;</li>
 *   <li>exit 0 when completed, 1 when failed.</li>
 * </ul>
 */
@Component
public class SettlementRunner {
    static final int REFUSED = 2;
    private static final Logger LOG = LoggerFactory.getLogger(SettlementRunner.class);

    private final JobOperator operator;
    private final Job job;
    private final SettlementRuns runs;
    private JobExecution lastExecution;

    SettlementRunner(JobOperator operator, Job job, SettlementRuns runs) {
        this.operator = operator;
        this.job = job;
        this.runs = runs;
    }

    /** The command line: {@code --businessDate=YYYY-MM-DD [--force]}; returns the exit code. */
    int run(ApplicationArguments args) throws Exception {
        List<String> dates = args.getOptionValues("businessDate");
        if (dates == null || dates.size() != 1) {
            return refuse("give exactly one --businessDate=YYYY-MM-DD");
        }
        LocalDate date;
        try {
            date = LocalDate.parse(dates.get(0));
        } catch (DateTimeParseException e) {
            return refuse("--businessDate is not a date (YYYY-MM-DD): " + dates.get(0));
        }
        return settle(date, args.containsOption("force"));
    }

    /** Runs (or resumes) the settlement of a date; returns the exit code. */
    public int settle(LocalDate date, boolean force) throws Exception {
        long completed = runs.completedRuns(date);
        if (completed > 0 && !force) {
            return refuse(date + " is settled already; rerun with --force to replace its"
                    + " outputs");
        }
        JobParameters parameters = new JobParametersBuilder()
                .addLocalDate("businessDate", date)
                .addLong("run", completed)
                .addString("force", Boolean.toString(force), false)
                .toJobParameters();
        long runId = runs.start(date, force);
        JobExecution execution;
        try {
            execution = operator.start(job, parameters);
        } catch (Exception e) {
            // Not even started (e.g. another run of the date is still marked running): the
            // run row says so, and the exit code is a failure.
            runs.finish(runId, "FAILED", null, e.toString());
            LOG.error("settlement of {} could not start", date, e);
            return 1;
        }
        lastExecution = execution;
        boolean ok = execution.getStatus() == BatchStatus.COMPLETED;
        runs.finish(runId, ok ? "COMPLETED" : "FAILED", execution.getId(),
                execution.getExitStatus().getExitCode() + " "
                        + execution.getAllFailureExceptions().stream().map(Throwable::toString)
                                .findFirst().orElse(""));
        LOG.info("settlement of {}: {}", date, execution.getStatus());
        return ok ? 0 : 1;
    }

    public JobExecution lastExecution() {
        return lastExecution;
    }

    private static int refuse(String why) {
        LOG.error("settlement refused: {}", why);
        return REFUSED;
    }

    /** Runs the command line when the app starts (off in tests, which call settle()). */
    @Component
    @ConditionalOnProperty(
            name = "redrain.settlement.command-line", matchIfMissing = true)
    static class CommandLine implements ApplicationRunner, ExitCodeGenerator {
        private final SettlementRunner runner;
        private int exitCode;

        CommandLine(SettlementRunner runner) {
            this.runner = runner;
        }

        @Override
        public void run(ApplicationArguments args) throws Exception {
            exitCode = runner.run(args);
        }

        @Override
        public int getExitCode() {
            return exitCode;
        }
    }
}
