package dev.redrain.credit;

import dev.redrain.core.ledger.LedgerWriter;
import dev.redrain.core.secrets.Redacted;
import java.io.Serializable;

/**
 * What the ledger sink connects to and how it batches. Secrets arrive here from the job's
 * parameters, never from code.
 *
 * @param batchSize tokens per ledger transaction, at most LedgerWriter.BATCH_SIZE_MAX
 * @param flushIntervalMs the longest a token waits in a partial batch
 * @param tokenTtlSeconds the TTL given to a token hash the job has to rebuild
 */
public record CreditSinkSettings(
        String jdbcUrl,
        String jdbcUser,
        String jdbcPassword,
        String redisUri,
        String redisNamespace,
        String kafkaBootstrap,
        String topicPrefix,
        int batchSize,
        long flushIntervalMs,
        long tokenTtlSeconds) implements Serializable {

    public CreditSinkSettings {
        if (batchSize < 1 || batchSize > LedgerWriter.BATCH_SIZE_MAX) {
            throw new IllegalArgumentException("batch size must be 1.."
                    + LedgerWriter.BATCH_SIZE_MAX);
        }
        if (flushIntervalMs < 1 || flushIntervalMs > 60_000) {
            throw new IllegalArgumentException("flush interval must be 1..60000 ms");
        }
        if (tokenTtlSeconds < 60) {
            throw new IllegalArgumentException("token TTL must be at least 60 s");
        }
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "CreditSinkSettings{jdbcUrl=" + Redacted.uri(jdbcUrl) + ", jdbcUser=" + jdbcUser
                + ", redisUri=" + Redacted.uri(redisUri) + ", namespace=" + redisNamespace + ", kafka=" + kafkaBootstrap
                + ", topicPrefix=" + topicPrefix + ", batchSize=" + batchSize + ", flushMs="
                + flushIntervalMs + "}";
    }
}
