package dev.redrain.credit;

import java.io.IOException;
import java.io.Serializable;

/**
 * A seam for failure tests: called after each batch's ledger commit and before Redis and
 * Kafka hear of it, the most awkward moment to crash. Production uses {@link #NONE}.
 */
@FunctionalInterface
public interface CreditFaultInjector extends Serializable {
    CreditFaultInjector NONE = (subtask, batches, checkpointFlushes) -> { };

    /**
     * @param batches batches this writer committed so far, this one included
     * @param checkpointFlushes flushes triggered by checkpoints so far
     */
    void afterLedgerCommit(int subtask, int batches, int checkpointFlushes) throws IOException;
}
