package dev.redrain.settlement.statement;

/**
 * A statement file failed a check of the whole file (its checksum, its header, summary rows
 * that do not tie to the detail): nothing of it is imported, and the night fails with this
 * reason rather than reconcile against a file the channel did not send as it is.
 */
public final class StatementRejectedException extends RuntimeException {
    public StatementRejectedException(String message) {
        super(message);
    }
}
