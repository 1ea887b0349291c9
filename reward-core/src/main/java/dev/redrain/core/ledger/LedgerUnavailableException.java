package dev.redrain.core.ledger;

/**
 * The ledger could not be written after the bounded retries. Whether the last attempt's commit
 * reached the database may be unknown (a connection lost during commit), so the caller must
 * retry the same requests later rather than assume either way: the unique outTradeNo makes a
 * retry book each token at most once.
 */
public final class LedgerUnavailableException extends RuntimeException {
    public LedgerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
