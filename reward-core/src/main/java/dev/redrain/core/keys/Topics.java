package dev.redrain.core.keys;

/**
 * Kafka topic names, once. A deployment may prefix them (for example per environment); the
 * suffixes are fixed. Versioned: an incompatible event schema gets a new topic.
 */
public record Topics(String prefix) {
    public static final Topics DEFAULT = new Topics("redrain.");

    public Topics {
        if (prefix == null || !prefix.matches("[A-Za-z0-9._-]{0,64}")) {
            throw new IllegalArgumentException("a topic prefix is 0-64 of A-Z a-z 0-9 . _ -");
        }
    }

    /** {@code TokenIssued} events, keyed by outTradeNo (EMPTY outcomes by idempotency key). */
    public String tokenIssued() {
        return prefix + "token-issued.v1";
    }

    /** {@code TokenCredited} events, keyed by outTradeNo. */
    public String tokenCredited() {
        return prefix + "token-credited.v1";
    }

    /** {@code BudgetAlert} events, keyed by dedupe key. */
    public String budgetAlerts() {
        return prefix + "budget-alert.v1";
    }

    /** Token-issued records the credit job could not use, with the reason and original bytes. */
    public String tokenIssuedDeadLetter() {
        return prefix + "token-issued.dlq.v1";
    }
}
