package dev.redrain.core.keys;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.ids.Identifiers;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * The one place that knows Redis key names. Every key starts with a namespace (the deployment's,
 * or a test class's own) and carries a Redis Cluster hash tag ({@code {...}}) chosen so that
 * the keys one Lua script touches land in one slot:
 *
 * <ul>
 *   <li><b>User slot</b> {@code {u:<actId>}}: the grab record of an idempotency key, the
 *       user's tokens and pending set, and per-user rate-limit counters. Issuing a token
 *       (record grab, store token, add to pending) and crediting it (status, remove from
 *       pending) are each one script in this slot.</li>
 *   <li><b>Budget shard slot</b> {@code {b:<templateId>:<shard>}}: one shard of a template's
 *       budget and what it has granted. Shards of one template land in different slots, so a
 *       hot template spreads over the cluster; each reservation is atomic within its shard.</li>
 * </ul>
 *
 * Token keys embed the outTradeNo, which starts with the business date, so a nightly snapshot
 * finds one day's tokens with {@code SCAN MATCH} ({@link #tokensOfDatePattern}), never KEYS.
 */
public final class RedisKeys {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyyMMdd");

    private final String namespace;

    public RedisKeys(String namespace) {
        if (namespace == null || !namespace.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("a Redis namespace is 1-64 of A-Z a-z 0-9 . _ -");
        }
        this.namespace = namespace;
    }

    public String namespace() {
        return namespace;
    }

    // ---- user slot -------------------------------------------------------------------------

    /** The hash tag of one user's slot. */
    public String userTag(String actId) {
        return "{u:" + Identifiers.require("actId", actId) + "}";
    }

    /**
     * The answer given to an idempotency key, so a retry gets the same answer and token.
     * {@code recordId} is the key scoped by whatever the key itself does not name (the issuer
     * prefixes the parent activity).
     */
    public String grab(String actId, String recordId) {
        return namespace + ":" + userTag(actId) + ":grab:" + recordId;
    }

    /** A token's state (hash: status, amount, currency, ...). */
    public String token(String actId, String outTradeNo) {
        return namespace + ":" + userTag(actId) + ":tok:" + Identifiers.require("outTradeNo",
                outTradeNo);
    }

    /** SCAN pattern for every token issued on a business date, across all users. */
    public String tokensOfDatePattern(LocalDate businessDate) {
        return namespace + ":{u:*}:tok:" + DATE.format(businessDate) + "*";
    }

    /** The user's tokens issued but not yet credited (hash outTradeNo -> amount:currency). */
    public String pending(String actId) {
        return namespace + ":" + userTag(actId) + ":pending";
    }

    /**
     * What the user has been granted from each capped template (hash: {@code <templateId>|n},
     * {@code <templateId>|m} over the activity, {@code <templateId>|<yyyyMMdd>|n} and
     * {@code ...|m} per business day), counted by the script that commits the grab.
     */
    public String userCaps(String actId) {
        return namespace + ":" + userTag(actId) + ":caps";
    }

    /**
     * The TokenIssued event of an answered grab not yet recorded durably (on Kafka or in the
     * outbox), written with the answer and deleted once recorded: a retry of the grab finds it
     * and records the event before it answers.
     */
    public String unrecorded(String actId, String recordId) {
        return namespace + ":" + userTag(actId) + ":unrec:" + recordId;
    }

    /** SCAN pattern for every answer not yet recorded, across all users. */
    public String unrecordedPattern() {
        return namespace + ":{u:*}:unrec:*";
    }

    /** A per-user rate-limit counter for one window. */
    public String userRate(String actId, long windowStartEpochSecond) {
        return namespace + ":" + userTag(actId) + ":rate:" + windowStartEpochSecond;
    }

    // ---- budget shard slot -----------------------------------------------------------------

    public String budgetShardTag(String templateId, int shard) {
        Identifiers.require("templateId", templateId);
        if (shard < 0) {
            throw new IllegalArgumentException("shard must be >= 0");
        }
        return "{b:" + templateId + ":" + shard + "}";
    }

    /** Minor units still grantable in one budget shard. */
    public String budgetRemaining(String templateId, int shard) {
        return namespace + ":" + budgetShardTag(templateId, shard) + ":remaining";
    }

    /** Minor units and count granted from one budget shard (hash). */
    public String budgetGranted(String templateId, int shard) {
        return namespace + ":" + budgetShardTag(templateId, shard) + ":granted";
    }

    /**
     * Marks one reservation as given back to its shard, so a give-back retried after an
     * unclear answer is not counted twice (string, expires).
     */
    public String budgetReleased(String templateId, int shard, String reservationId) {
        return namespace + ":" + budgetShardTag(templateId, shard) + ":released:"
                + Identifiers.require("reservationId", reservationId);
    }

    /** The pre-split packet pool of a rain for one shard (list of amounts). */
    public String packetPool(String templateId, int shard, String rainId) {
        return namespace + ":" + budgetShardTag(templateId, shard) + ":pool:"
                + Identifiers.require("rainId", rainId);
    }

    // ---- unsharded, low-traffic keys -----------------------------------------------------

    /** Threshold crossings already recorded for a template (set of percentages). */
    public String thresholdsCrossed(String templateId) {
        return namespace + ":tpl:" + Identifiers.require("templateId", templateId) + ":crossed";
    }

    /** A per-scene rate-limit counter for one window. */
    public String sceneRate(String activityId, Stage stage, String sceneId,
            long windowStartEpochSecond) {
        Objects.requireNonNull(stage, "stage");
        return namespace + ":rate:scene:" + Identifiers.require("activityId", activityId) + ":"
                + stage.name() + ":" + Identifiers.require("sceneId", sceneId) + ":"
                + windowStartEpochSecond;
    }

    /** A request-signature nonce seen from an app, kept for the allowed clock skew. */
    public String signatureNonce(String appId, String nonce) {
        return namespace + ":nonce:" + Identifiers.require("appId", appId) + ":" + nonce;
    }

    /**
     * When the nonce store began (epoch milliseconds). Written once, never expires: when Redis
     * loses its data this key goes with the nonces, and the next request sets it anew, so a
     * request signed before the loss cannot be replayed once its nonce is forgotten.
     */
    public String nonceEpoch() {
        return namespace + ":nonce-epoch";
    }

    /**
     * Present only when the budget counters were built from durable state. If Redis restarts
     * empty this key is gone and grabs are refused until a rebuild sets it again.
     */
    public String budgetEpoch() {
        return namespace + ":budget-epoch";
    }

    /** Degradation switches (hash switch -> value), read by every service instance. */
    public String switches() {
        return namespace + ":switches";
    }
}
