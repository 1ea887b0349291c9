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

    /**
     * Which settlement of the date this is: 0 for the first, one more for each forced rerun (a
     * resumed run keeps its number). Tells the rows this run saw from a replaced run's.
     */
    static long run(Map<String, Object> jobParameters) {
        Object value = jobParameters.get("run");
        return value instanceof Number number ? number.longValue()
                : Long.parseLong(String.valueOf(value));
    }

    /** The settlement run of the step running on this thread; see {@link #run(Map)}. */
    static long runOfStep() {
        return run(StepSynchronizationManager.getContext().getJobParameters());
    }

    /** The business date of the step running on this thread. */
    static LocalDate ofStep() {
        return businessDate(StepSynchronizationManager.getContext().getJobParameters());
    }
}
