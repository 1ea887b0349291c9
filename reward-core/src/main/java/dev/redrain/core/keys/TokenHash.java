package dev.redrain.core.keys;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.token.Grant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fields of a token's Redis hash ({@link RedisKeys#token}), and the Lua scripts that move a
 * token's status. The issuance service writes the hash at grab time; the credit job, the
 * service's forced credit and the nightly repair mark it credited; the settlement snapshots it.
 */
public final class TokenHash {
    public static final String STATUS = "status";
    public static final String OUT_TRADE_NO = "outTradeNo";
    public static final String ACT_ID = "actId";
    public static final String ACTIVITY_ID = "activityId";
    public static final String STAGE = "stage";
    public static final String AWARD_TYPE = "awardType";
    public static final String AMOUNT_MINOR = "amountMinor";
    public static final String CURRENCY = "currency";
    public static final String ISSUED_AT_MS = "issuedAtMs";
    public static final String JOURNAL_ID = "journalId";
    public static final String CREDITED_AT_MS = "creditedAtMs";
    public static final String CREDITED_BY = "creditedBy";
    /** Written by the issuer for settlement and support; the credit job does not need them. */
    public static final String APP_ID = "appId";
    public static final String PARENT_ACTIVITY_ID = "parentActivityId";
    public static final String SCENE_ID = "sceneId";
    public static final String RAIN_ID = "rainId";
    public static final String TEMPLATE_ID = "templateId";
    /**
     * The issuance service's grant proof of the fields above ({@code GrantProof}): the nightly
     * repair re-credits a token from its hash only when this verifies.
     */
    public static final String GRANT_PROOF = "grantProof";

    /**
     * Marks a token CREDITED after the ledger booked it, and removes it from the owner's pending
     * set. Idempotent. Fields the issuer wrote are never overwritten; if the hash is gone (Redis
     * restarted empty) the given fields rebuild it, so the nightly snapshot still sees the token.
     * A hash is only ever written whole (the issuer's and the rebuild's scripts set every field
     * at once), so one that exists needs none of the given fields: the common case costs four
     * Redis commands, not one per field (the credit job runs this once per token).
     *
     * <pre>
     * KEYS[1] token hash   KEYS[2] owner's pending hash
     * ARGV[1] outTradeNo   ARGV[2] journalId   ARGV[3] creditedAtMs   ARGV[4] creditedBy
     * ARGV[5] ttl seconds if the hash has none   ARGV[6..] field, value pairs set only if absent
     * </pre>
     */
    public static final String MARK_CREDITED_SCRIPT = """
            local token = KEYS[1]
            if redis.call('EXISTS', token) == 0 then
              for i = 6, #ARGV, 2 do
                redis.call('HSET', token, ARGV[i], ARGV[i + 1])
              end
            end
            redis.call('HSET', token, 'status', 'CREDITED', 'journalId', ARGV[2],
                       'creditedAtMs', ARGV[3], 'creditedBy', ARGV[4])
            if redis.call('TTL', token) < 0 then
              redis.call('EXPIRE', token, tonumber(ARGV[5]))
            end
            redis.call('HDEL', KEYS[2], ARGV[1])
            return 1
            """;

    private TokenHash() {
    }

    /**
     * The grant a token hash holds, read back from {@link #fieldsOf}'s fields.
     *
     * @throws IllegalArgumentException when a grant field is missing or unreadable
     */
    public static Grant grantOf(Map<String, String> hash) {
        return new Grant(required(hash, OUT_TRADE_NO),
                required(hash, APP_ID), required(hash, ACT_ID),
                required(hash, PARENT_ACTIVITY_ID), required(hash, ACTIVITY_ID),
                Stage.valueOf(required(hash, STAGE)),
                required(hash, SCENE_ID), required(hash, RAIN_ID), required(hash, TEMPLATE_ID),
                required(hash, AWARD_TYPE), Long.parseLong(required(hash, AMOUNT_MINOR)),
                required(hash, CURRENCY), Long.parseLong(required(hash, ISSUED_AT_MS)));
    }

    private static String required(Map<String, String> hash, String field) {
        String value = hash.get(field);
        if (value == null) {
            throw new IllegalArgumentException("no " + field);
        }
        return value;
    }

    /**
     * The token hash of an award, as the issuer writes it (and a rebuild restores it): the
     * grant's fields and its proof, so the nightly repair can check that it is a real grant.
     */
    public static Map<String, String> fieldsOf(
            TokenIssued event, String status) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put(STATUS, status);
        fields.put(OUT_TRADE_NO, event.outTradeNo());
        fields.put(ACT_ID, event.actId());
        fields.put(ACTIVITY_ID, event.activityId());
        fields.put(STAGE, event.stage().name());
        fields.put(AWARD_TYPE, event.awardType());
        fields.put(AMOUNT_MINOR, Long.toString(event.amountMinor()));
        fields.put(CURRENCY, event.currency());
        fields.put(ISSUED_AT_MS, Long.toString(event.issuedAt().toEpochMilli()));
        fields.put(APP_ID, event.appId());
        fields.put(PARENT_ACTIVITY_ID, event.parentActivityId());
        fields.put(SCENE_ID, event.sceneId());
        fields.put(RAIN_ID, event.rainId());
        fields.put(TEMPLATE_ID, event.templateId());
        if (event.grantProof() != null) {
            fields.put(GRANT_PROOF, event.grantProof());
        }
        return fields;
    }
}
