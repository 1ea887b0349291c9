package dev.redrain.credit;

import dev.redrain.core.activity.Outcome;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.ids.OutTradeNoGenerator;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Makes token-issued events the way the issuance service will, for the job's tests. */
final class TokenEvents {
    static final String ACTIVITY = "spring-2027-formal";
    static final LocalDate BUSINESS_DATE = LocalDate.of(2026, 11, 25);
    private static final EventSerde SERDE = new EventSerde();

    private final OutTradeNoGenerator outTradeNos = OutTradeNoGenerator.withRandomInstance(
            Clock.systemUTC(), ZoneId.of("Asia/Shanghai"));
    private final Random random;

    TokenEvents(long seed) {
        random = new Random(seed);
    }

    List<TokenIssued> awarded(int count, int users) {
        List<TokenIssued> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String actId = "A" + random.nextInt(users);
            String outTradeNo = outTradeNos.next();
            events.add(new TokenIssued("ev-" + outTradeNo, outTradeNo,
                    actId + "_scene-1_rain-" + i + "_CASH_FORMAL", "douyin", actId, "spring-2027",
                    ACTIVITY, Stage.FORMAL, "scene-1", "rain-" + i, "cash-888", "cash-888", "CASH",
                    Outcome.AWARDED, 1 + random.nextInt(500), "CNY", Instant.now(),
                    BUSINESS_DATE));
        }
        return events;
    }

    static TokenIssued empty(String actId) {
        return new TokenIssued("ev-empty-" + actId, null, actId + "_scene-1_rain-0_CASH_FORMAL",
                "douyin", actId, "spring-2027", ACTIVITY, Stage.FORMAL, "scene-1", "rain-0",
                "cash-888", "cash-888", "CASH", Outcome.EMPTY, 0, "CNY", Instant.now(),
                BUSINESS_DATE);
    }

    static byte[] bytes(TokenIssued event) {
        return SERDE.serialize(event);
    }
}
