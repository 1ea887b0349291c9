package dev.redrain.core.ledger;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.ids.Identifiers;
import dev.redrain.core.money.Money;
import java.util.Objects;

/**
 * Names of ledger accounts, once. Budgets are per child activity, stage and asset, so stages
 * never share money; wallets are per actId and asset, so balances are multi-asset.
 */
public final class AccountCodes {
    private AccountCodes() {
    }

    /** The account an activity-stage's awards of one asset are paid from. */
    public static String budget(String activityId, Stage stage, String currency) {
        Objects.requireNonNull(stage, "stage");
        return "BUDGET:" + Identifiers.require("activityId", activityId) + ":" + stage.name() + ":"
                + Money.requireCurrency(currency);
    }

    /** A user's balance of one asset. */
    public static String wallet(String actId, String currency) {
        return "WALLET:" + Identifiers.require("actId", actId) + ":"
                + Money.requireCurrency(currency);
    }

    /** Where withdrawn cash waits for the payment channel's payout. */
    public static String payoutClearing(String currency) {
        return "PAYOUT_CLEARING:" + Money.requireCurrency(currency);
    }
}
