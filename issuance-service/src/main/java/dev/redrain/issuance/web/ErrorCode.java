package dev.redrain.issuance.web;

/**
 * The stable machine codes of every refusal. Clients branch on these, never on the text; a
 * code is never renamed or reused.
 */
public enum ErrorCode {
    /** The body is not JSON, or not the expected shape. */
    MALFORMED_REQUEST,
    /** A field is missing, mistyped or out of range; the detail names it. */
    INVALID_FIELD,
    /** The request is larger than the service accepts. */
    PAYLOAD_TOO_LARGE,
    /** The signature headers are missing, stale, replayed or do not verify. */
    BAD_SIGNATURE,
    /** The admin API's bearer token is missing or unknown. */
    BAD_CREDENTIALS,
    /** The credentials are valid but not for this route. */
    FORBIDDEN,
    UNKNOWN_ACTIVITY,
    UNKNOWN_AWARD_TYPE,
    /** The activity exists but does not take grabs now (not started, ended, paused). */
    ACTIVITY_NOT_LIVE,
    /** The activity's live stage does not admit this user (internal test, gray). */
    NOT_ADMITTED,
    /** The scene is closed by an operator's switch. */
    SCENE_CLOSED,
    /** Too many requests for this user or scene; see Retry-After. */
    RATE_LIMITED,
    /** The same idempotency key is being answered by another request; retry shortly. */
    GRAB_IN_PROGRESS,
    /** Budgets are not loaded in Redis (Redis restarted empty); grabs wait for a rebuild. */
    BUDGET_UNAVAILABLE,
    /**
     * The grab is decided but its record could not be made durable in time (Kafka and the
     * outbox both unavailable): retry with the same request, which gets the same answer once
     * the record is made.
     */
    GRAB_NOT_RECORDED,
    /**
     * A budget rebuild was asked for while every budget is live: there is nothing to rebuild
     * (an earlier call, perhaps one whose answer was lost, already did it).
     */
    BUDGETS_LIVE,
    /**
     * The budget rebuild failed (its error is in the answer and at
     * /admin/budgets/rebuilds/{id}); nothing half-done is left that a new call cannot finish.
     */
    REBUILD_FAILED,
    /** No such budget rebuild. */
    UNKNOWN_REBUILD,
    /** A dependency is down; the request changed nothing and can be retried. */
    DEPENDENCY_UNAVAILABLE,
    /** No such account for this app (an app sees only its own users' wallets). */
    UNKNOWN_ACCOUNT,
    /** A presented token does not decrypt, is not this account's, or is malformed. */
    INVALID_TOKEN,
    /** A token's booked journal differs from the token: needs a person. */
    TOKEN_CONFLICT,
    /** The wallet holds less than the withdrawal, counting the presented tokens. */
    INSUFFICIENT_BALANCE,
    /** Another request is withdrawing with this requestId right now; retry the same request. */
    WITHDRAWAL_IN_PROGRESS,
    /** The requestId was used before for a different withdrawal. */
    REQUEST_ID_REUSED,
    /** Only withdrawable assets (cash) can leave a wallet. */
    NOT_WITHDRAWABLE,
    /** Withdrawals are switched off by an operator; balances still answer. */
    WALLET_READ_ONLY,
    UNKNOWN_ROUTE,
    METHOD_NOT_ALLOWED,
    UNSUPPORTED_MEDIA_TYPE,
    /** No reward template with this id (admin routes). */
    UNKNOWN_TEMPLATE,
    /** The activity has no declared rain with this id (rains are declared by operators). */
    UNKNOWN_RAIN,
    /** The rain has no scene with this id. */
    UNKNOWN_SCENE,
    /** The rain is declared but does not take grabs now (not yet open, closed, cancelled). */
    RAIN_NOT_OPEN,
    /** A rain with this id exists with other content (admin routes). */
    RAIN_CONFLICT,
    /** A presented token would draw its activity stage beyond its budget: the ledger refused. */
    TOKEN_OVER_BUDGET,
    /** No reconciliation break with this id (finance routes). */
    UNKNOWN_BREAK,
    /** The break is no longer open (cleared, repaired, or still a timing item). */
    BREAK_NOT_OPEN,
    /** The break is resolved already: a resolution is never changed, only annotated. */
    BREAK_RESOLVED,
    /**
     * A corrective journal cannot be made for this break: its category has none, or nothing
     * shows the issuance service made the grant (the detail says which).
     */
    JOURNAL_NOT_APPLICABLE,
    /** The break has a corrective journal proposed or posted already. */
    JOURNAL_EXISTS,
    /** No corrective journal with this id. */
    UNKNOWN_JOURNAL,
    /** No store holds a token with this outTradeNo (Redis, Kafka, the ledger or a statement). */
    UNKNOWN_TOKEN,
    /** The corrective journal is decided already (approved, posted or rejected). */
    JOURNAL_DECIDED,
    /** The reviewer who proposed a corrective journal cannot approve it: a second one must. */
    FOUR_EYES_REQUIRED,
    /** The ledger refused the corrective journal (over budget, or booked with other content). */
    LEDGER_REFUSED,
    /** No settlement run of this business date. */
    UNKNOWN_NIGHT,
    /** The run named is not the night's last completed run. */
    NIGHT_NOT_SIGNABLE,
    /** The SHA-256 given is not the one the settlement recorded for the run's report. */
    REPORT_MISMATCH,
    /** Some of the night's breaks nobody acknowledged or resolved. */
    BREAKS_UNREVIEWED,
    /** The night is signed already: a signed night never changes. */
    NIGHT_SIGNED
}
