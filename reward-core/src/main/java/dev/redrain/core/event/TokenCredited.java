package dev.redrain.core.event;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.ids.Identifiers;
import dev.redrain.core.ledger.CreditSource;
import dev.redrain.core.money.Money;
import java.time.Instant;

/** A token booked in the ledger, published once per outTradeNo by whichever path booked it. */
public record TokenCredited(
        String eventId,
        String outTradeNo,
        String actId,
        String activityId,
        Stage stage,
        String awardType,
        long amountMinor,
        String currency,
        long journalId,
        CreditSource source,
        Instant issuedAt,
        Instant creditedAt) implements RedrainEvent {

    public TokenCredited {
        Fields.text("eventId", eventId);
        Identifiers.require("outTradeNo", outTradeNo);
        Identifiers.require("actId", actId);
        Identifiers.require("activityId", activityId);
        Fields.present("stage", stage);
        Identifiers.require("awardType", awardType);
        if (amountMinor <= 0) {
            throw new IllegalArgumentException("a credited amount is positive, was " + amountMinor);
        }
        Money.requireCurrency(currency);
        if (journalId <= 0) {
            throw new IllegalArgumentException("journalId must be positive");
        }
        Fields.present("source", source);
        Fields.present("issuedAt", issuedAt);
        Fields.present("creditedAt", creditedAt);
    }

    public Money amount() {
        return Money.of(amountMinor, currency);
    }
}
