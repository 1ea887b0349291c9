package dev.redrain.core.token;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.ids.Identifiers;
import dev.redrain.core.money.Money;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * The reward token handed to the client after a won grab: the published design's fields
 * (AppID, ActID, ActivityID, SceneID, Amount, OutTradeNo, OpenTime, RainID, Status) plus the
 * award type, stage and currency. The client holds it encrypted (see {@link TokenCodec}) and
 * presents it at withdrawal; it can neither read nor change it.
 *
 * <p>{@code outTradeNo} is the award's unique id: the ledger books it once, whoever presents it.
 */
public record RedPacketToken(
        String appId,
        String actId,
        String activityId,
        String sceneId,
        String rainId,
        String awardType,
        Stage stage,
        Money amount,
        String outTradeNo,
        Instant openTime,
        TokenStatus status) {

    public RedPacketToken {
        Identifiers.require("appId", appId);
        Identifiers.require("actId", actId);
        Identifiers.require("activityId", activityId);
        Identifiers.require("sceneId", sceneId);
        Identifiers.require("rainId", rainId);
        Identifiers.require("awardType", awardType);
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(amount, "amount");
        if (!amount.isPositive()) {
            throw new IllegalArgumentException("a token's amount must be positive, was " + amount);
        }
        Identifiers.require("outTradeNo", outTradeNo);
        // The token format carries milliseconds; truncating here keeps a round trip exact.
        openTime = Objects.requireNonNull(openTime, "openTime").truncatedTo(ChronoUnit.MILLIS);
        Objects.requireNonNull(status, "status");
    }

    public RedPacketToken withStatus(TokenStatus newStatus) {
        return new RedPacketToken(appId, actId, activityId, sceneId, rainId, awardType, stage,
                amount, outTradeNo, openTime, newStatus);
    }
}
