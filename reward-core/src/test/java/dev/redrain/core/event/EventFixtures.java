package dev.redrain.core.event;

import dev.redrain.core.activity.Outcome;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.ledger.CreditSource;
import java.time.Instant;
import java.time.LocalDate;

/** Named event fixtures. */
public final class EventFixtures {
    public static final Instant ISSUED_AT = Instant.parse("2026-11-25T12:30:15.123Z");
    public static final LocalDate BUSINESS_DATE = LocalDate.of(2026, 11, 25);

    private EventFixtures() {
    }

    public static TokenIssued awarded(String outTradeNo, String actId, long amountMinor) {
        return new TokenIssued("ev-" + outTradeNo, outTradeNo,
                actId + "_scene-1_rain-42_CASH_FORMAL", "douyin", actId, "spring-2027",
                "spring-2027-formal", Stage.FORMAL, "scene-1", "rain-42", "cash-888", "cash-888",
                "CASH", Outcome.AWARDED, amountMinor, "CNY", ISSUED_AT, BUSINESS_DATE, null);
    }

    public static TokenIssued empty(String actId) {
        return new TokenIssued("ev-empty-" + actId, null, actId + "_scene-1_rain-42_CASH_FORMAL",
                "douyin", actId, "spring-2027", "spring-2027-formal", Stage.FORMAL, "scene-1",
                "rain-42", "cash-888", "cash-888", "CASH", Outcome.EMPTY, 0, "CNY", ISSUED_AT,
                BUSINESS_DATE, null);
    }

    public static TokenCredited credited(String outTradeNo) {
        return new TokenCredited("cr-" + outTradeNo, outTradeNo, "A1", "spring-2027-formal",
                Stage.FORMAL, "CASH", 888, "CNY", 17, CreditSource.STREAM, ISSUED_AT,
                ISSUED_AT.plusMillis(250));
    }

    public static BudgetAlert thresholdAlert() {
        return new BudgetAlert("al-1", "THRESHOLD:cash-888:80:1", "THRESHOLD:cash-888:80",
                BudgetAlert.Severity.WARNING, BudgetAlert.AlertRule.THRESHOLD,
                "spring-2027-formal", "spring-2027", Stage.FORMAL, "cash-888", 80, 80, "percent",
                ISSUED_AT, ISSUED_AT.plusSeconds(60), null,
                "runbooks/budget-alert.md#threshold", "cash-888 used 80% of its budget",
                ISSUED_AT.plusSeconds(61));
    }
}
