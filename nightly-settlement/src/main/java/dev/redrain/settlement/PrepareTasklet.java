package dev.redrain.settlement;

import java.time.LocalDate;
import java.util.Map;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The night's first step: a fresh run (first, or forced) starts from clean staging. A forced
 * rerun also replaces the date's outputs: its import and the breaks it opened are made again
 * from scratch. Repairs taken stay: they happened.
 */
final class PrepareTasklet implements Tasklet {
    private final JdbcTemplate jdbc;
    private final SettlementProperties properties;

    PrepareTasklet(JdbcTemplate jdbc, SettlementProperties properties) {
        this.jdbc = jdbc;
        this.properties = properties;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunk) {
        Map<String, Object> parameters = chunk.getStepContext().getJobParameters();
        LocalDate date = StepDates.businessDate(parameters);
        jdbc.update("DELETE FROM recon_redis_token WHERE business_date = ?", date);
        jdbc.update("DELETE FROM recon_import_error WHERE business_date = ?", date);
        jdbc.update("DELETE FROM recon_match_tally WHERE business_date = ?", date);
        if (Boolean.parseBoolean(String.valueOf(parameters.get("force")))) {
            jdbc.update("DELETE FROM payment_record WHERE business_date = ? AND"
                    + " source_file = ?", date, properties.statementFile(date).getFileName()
                            .toString());
            // A break finance has acted on keeps its row (and so its case and timeline): the
            // rerun finds it again under the same (outTradeNo, category) and updates it.
            jdbc.update("DELETE FROM recon_break WHERE first_seen_date = ? AND"
                    + " status IN ('OPEN', 'EXPECTED') AND break_id NOT IN"
                    + " (SELECT break_id FROM finance_case)", date);
        }
        return RepeatStatus.FINISHED;
    }
}
