package dev.redrain.core.token;

import dev.redrain.core.activity.Stage;
import java.util.Objects;

/**
 * What a grant proof vouches for: every field that decides where money goes and how much. The
 * issuance service signs it when it grants an award ({@link GrantProof#sign}); the credit job,
 * before it books a TokenIssued event, and the nightly repair, before it re-credits a token
 * from its Redis hash, check that the proof verifies for exactly these values. A forger who can
 * write to Kafka or Redis, but does not hold a token key, can change none of them.
 *
 * <p>Not covered: event bookkeeping that moves no money (the event id, the idempotency key,
 * the requested template and the AWARDED/FALLBACK label), which the ledger does not read.
 */
public record Grant(
        String outTradeNo,
        String appId,
        String actId,
        String parentActivityId,
        String activityId,
        Stage stage,
        String sceneId,
        String rainId,
        String templateId,
        String awardType,
        long amountMinor,
        String currency,
        long issuedAtMs) {

    public Grant {
        Objects.requireNonNull(outTradeNo, "outTradeNo");
        Objects.requireNonNull(appId, "appId");
        Objects.requireNonNull(actId, "actId");
        Objects.requireNonNull(parentActivityId, "parentActivityId");
        Objects.requireNonNull(activityId, "activityId");
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(sceneId, "sceneId");
        Objects.requireNonNull(rainId, "rainId");
        Objects.requireNonNull(templateId, "templateId");
        Objects.requireNonNull(awardType, "awardType");
        Objects.requireNonNull(currency, "currency");
    }
}
