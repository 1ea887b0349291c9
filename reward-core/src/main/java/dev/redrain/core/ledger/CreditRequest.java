package dev.redrain.core.ledger;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.ids.Identifiers;
import dev.redrain.core.money.Money;
import java.time.LocalDate;
import java.util.Objects;

/**
 * Book one token: debit the activity-stage budget, credit the user's wallet, by the token's
 * amount. The outTradeNo is the idempotency id: every path that books this token (stream,
 * forced credit, repair) passes the same one, and the ledger books it once.
 */
public record CreditRequest(
        String outTradeNo,
        String actId,
        String activityId,
        Stage stage,
        String awardType,
        Money amount,
        LocalDate businessDate,
        CreditSource source) {

    public CreditRequest {
        Identifiers.require("outTradeNo", outTradeNo);
        Identifiers.require("actId", actId);
        Identifiers.require("activityId", activityId);
        Objects.requireNonNull(stage, "stage");
        Identifiers.require("awardType", awardType);
        Objects.requireNonNull(amount, "amount");
        if (!amount.isPositive()) {
            throw new IllegalArgumentException("a credit is positive, was " + amount);
        }
        Objects.requireNonNull(businessDate, "businessDate");
        Objects.requireNonNull(source, "source");
    }

    String budgetAccount() {
        return AccountCodes.budget(activityId, stage, amount.currency());
    }

    String walletAccount() {
        return AccountCodes.wallet(actId, amount.currency());
    }
}
