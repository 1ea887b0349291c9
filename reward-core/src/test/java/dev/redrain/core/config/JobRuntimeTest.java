package dev.redrain.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class JobRuntimeTest {
    @Test
    void theJobsDefaultsStandUnlessGiven() {
        assertThat(JobRuntime.from(Map.of(), "group-a", 5_000))
                .isEqualTo(new JobRuntime("group-a", 5_000));
        assertThat(JobRuntime.from(Map.of("kafka.group", "g", "checkpoint.interval-ms", "250"),
                "group-a", 5_000)).isEqualTo(new JobRuntime("g", 250));
    }

    @Test
    void anIntervalThatIsNoNumberOrTooShortIsRefusedByName() {
        assertThatThrownBy(() -> JobRuntime.from(Map.of("checkpoint.interval-ms", "5s"), "g",
                5_000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--checkpoint.interval-ms").hasMessageContaining("5s");
        assertThatThrownBy(() -> JobRuntime.from(Map.of("checkpoint.interval-ms", "0"), "g",
                5_000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 10 ms");
    }

    @Test
    void theKafkaReaderReadsCommittedRecordsAndCommitsOnCheckpoints() {
        assertThat(JobRuntime.KAFKA_READER).containsEntry("isolation.level", "read_committed")
                .containsEntry("commit.offsets.on.checkpoint", "true");
    }
}
