package dev.redrain.settlement;

import java.time.LocalDate;
import java.util.Map;
import org.springframework.batch.core.scope.context.StepSynchronizationManager;

/** The business date a step works on: the job's identifying parameter. */
final class StepDates {
    private StepDates() {
    }

    static LocalDate businessDate(Map<String, Object> jobParameters) {
        Object value = jobParameters.get("businessDate");
        return value instanceof LocalDate date ? date : LocalDate.parse(value.toString());
    }

    /** The business date of the step running on this thread. */
    static LocalDate ofStep() {
        return businessDate(StepSynchronizationManager.getContext().getJobParameters());
    }
}
