package dev.redrain.core.event;

import dev.redrain.core.activity.Outcome;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.ids.Identifiers;
import dev.redrain.core.money.Money;
import java.time.Instant;
import java.time.LocalDate;

/**
 * One grab's result, published by the issuance service. AWARDED and FALLBACK carry a token
 * (outTradeNo, positive amount) that the credit job books; EMPTY carries no token and amount 0,
 * and exists so the budget monitor sees the whole outcome mix.
 *
 * @param templateId the template that paid (for EMPTY, the one requested)
 * @param requestedTemplateId the template the grab asked for, before any fallback
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
        LocalDate businessDate) implements RedrainEvent {

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
            if (amountMinor != 0 || outTradeNo != null) {
                throw new IllegalArgumentException("an EMPTY grab has no token and amount 0");
            }
        } else {
            Identifiers.require("outTradeNo", outTradeNo);
            if (amountMinor <= 0) {
                throw new IllegalArgumentException(outcome + " needs a positive amount, was "
                        + amountMinor);
            }
        }
    }

    public Money amount() {
        return Money.of(amountMinor, currency);
    }

    /** True when this event carries a token the ledger must book. */
    public boolean hasToken() {
        return outcome != Outcome.EMPTY;
    }
}
