package dev.redrain.core.config;

import java.util.Map;

/**
 * What every streaming job reads besides its connections ({@link JobConnections}): its Kafka
 * consumer group and its checkpoint interval, each with the job's own default, and the
 * settings its Kafka reader needs. Both jobs read them here, so a flag means the same in each.
 *
 * @param kafkaGroup {@code --kafka.group}
 * @param checkpointIntervalMs {@code --checkpoint.interval-ms}
 */
public record JobRuntime(String kafkaGroup, long checkpointIntervalMs) {
    public static final String KAFKA_GROUP = "kafka.group";
    public static final String CHECKPOINT_INTERVAL_MS = "checkpoint.interval-ms";
    /**
     * The reader sees only committed records (an aborted transaction's never reach a job) and
     * commits its offsets on checkpoints, so the group's offsets show the job's lag.
     */
    public static final Map<String, String> KAFKA_READER = Map.of(
            "isolation.level", "read_committed",
            "commit.offsets.on.checkpoint", "true");

    public JobRuntime {
        if (checkpointIntervalMs < 10) {
            throw new IllegalArgumentException("--" + CHECKPOINT_INTERVAL_MS
                    + " must be at least 10 ms, was " + checkpointIntervalMs);
        }
    }

    public static JobRuntime from(Map<String, String> parameters, String defaultGroup,
            long defaultCheckpointIntervalMs) {
        String interval = parameters.get(CHECKPOINT_INTERVAL_MS);
        try {
            return new JobRuntime(parameters.getOrDefault(KAFKA_GROUP, defaultGroup),
                    interval == null ? defaultCheckpointIntervalMs : Long.parseLong(interval));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + CHECKPOINT_INTERVAL_MS
                    + " must be a number of milliseconds, was " + interval, e);
        }
    }
}
