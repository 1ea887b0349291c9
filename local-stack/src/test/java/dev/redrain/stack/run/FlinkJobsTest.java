package dev.redrain.stack.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.junit.jupiter.api.Test;

/** Which job the dashboard shows when an operator has moved the credit job. */
class FlinkJobsTest {
    private static JobStatusMessage job(String name, JobStatus state, long startedMs) {
        return new JobStatusMessage(new JobID(), name, state, startedMs);
    }

    @Test
    void theLiveJobOfTheNameIsShownNotTheOneStoppedForAnUpgrade() {
        JobStatusMessage stopped = job(FlinkJobs.CREDIT_JOB, JobStatus.FINISHED, 1_000);
        JobStatusMessage resubmitted = job(FlinkJobs.CREDIT_JOB, JobStatus.RUNNING, 2_000);
        JobStatusMessage monitor = job(FlinkJobs.MONITOR_JOB, JobStatus.RUNNING, 3_000);
        assertThat(FlinkJobs.current(List.of(stopped, resubmitted, monitor),
                FlinkJobs.CREDIT_JOB)).contains(resubmitted);
        // A live job wins over a newer one that already ended (a failed resubmission).
        JobStatusMessage failedLater = job(FlinkJobs.CREDIT_JOB, JobStatus.FAILED, 4_000);
        assertThat(FlinkJobs.current(List.of(stopped, resubmitted, failedLater),
                FlinkJobs.CREDIT_JOB)).contains(resubmitted);
        // Nothing live: the newest that ended, so the dashboard says how it ended.
        assertThat(FlinkJobs.current(List.of(stopped, failedLater), FlinkJobs.CREDIT_JOB))
                .contains(failedLater);
        assertThat(FlinkJobs.current(List.of(monitor), FlinkJobs.CREDIT_JOB)).isEmpty();
    }
}
