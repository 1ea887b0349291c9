package dev.redrain.core.event;

import dev.redrain.core.activity.Outcome;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.ids.Identifiers;
import dev.redrain.core.money.Money;
import dev.redrain.core.token.Grant;
import dev.redrain.core.token.GrantProof;
import java.time.Instant;
import java.time.LocalDate;

/**
 * One grab's result, published by the issuance service. AWARDED and FALLBACK carry a token
 * (outTradeNo, positive amount) that the credit job books; EMPTY carries no token and amount 0,
 * and exists so the budget monitor sees the whole outcome mix.
 *
 * @param templateId the template that paid (for EMPTY, the one requested)
 * @param requestedTemplateId the template the grab asked for, before any fallback
 * @param grantProof for a token, the issuance service's {@link GrantProof} of {@link #grant()};
 *     null for EMPTY. Events without a verifying proof are never booked.
 */
public record TokenIssued(
        String eventId,
        String outTradeNo,
        String idempotencyKey,
        String appId,
        String actId,
        String parentActivityId,
        String activityId,
        Stage stage,
        String sceneId,
        String rainId,
        String requestedTemplateId,
        String templateId,
        String awardType,
        Outcome outcome,
        long amountMinor,
        String currency,
        Instant issuedAt,
        LocalDate businessDate,
        String grantProof) implements RedrainEvent {

    public TokenIssued {
        Fields.text("eventId", eventId);
        Fields.text("idempotencyKey", idempotencyKey);
        Identifiers.require("appId", appId);
        Identifiers.require("actId", actId);
        Identifiers.require("parentActivityId", parentActivityId);
        Identifiers.require("activityId", activityId);
        Fields.present("stage", stage);
        Identifiers.require("sceneId", sceneId);
        Identifiers.require("rainId", rainId);
        Identifiers.require("requestedTemplateId", requestedTemplateId);
        Identifiers.require("templateId", templateId);
        Identifiers.require("awardType", awardType);
        Fields.present("outcome", outcome);
        Money.requireCurrency(currency);
        Fields.present("issuedAt", issuedAt);
        Fields.present("businessDate", businessDate);
        if (outcome == Outcome.EMPTY) {
            if (amountMinor != 0 || outTradeNo != null || grantProof != null) {
                throw new IllegalArgumentException("an EMPTY grab has no token, no proof and"
                        + " amount 0");
            }
        } else {
            Identifiers.require("outTradeNo", outTradeNo);
            if (amountMinor <= 0) {
                throw new IllegalArgumentException(outcome + " needs a positive amount, was "
                        + amountMinor);
            }
        }
    }

    /** The money-bearing fields a grant proof vouches for; null for EMPTY. */
    public Grant grant() {
        if (!hasToken()) {
            return null;
        }
        return new Grant(outTradeNo, appId, actId, parentActivityId, activityId, stage, sceneId,
                rainId, templateId, awardType, amountMinor, currency, issuedAt.toEpochMilli());
    }

    /** This event with {@code proof} as its grant proof. */
    public TokenIssued withGrantProof(String proof) {
        return new TokenIssued(eventId, outTradeNo, idempotencyKey, appId, actId,
                parentActivityId, activityId, stage, sceneId, rainId, requestedTemplateId,
                templateId, awardType, outcome, amountMinor, currency, issuedAt, businessDate,
                proof);
    }

    public Money amount() {
        return Money.of(amountMinor, currency);
    }

    /** True when this event carries a token the ledger must book. */
    public boolean hasToken() {
        return outcome != Outcome.EMPTY;
    }
}
