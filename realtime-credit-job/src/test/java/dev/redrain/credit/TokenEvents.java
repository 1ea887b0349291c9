package dev.redrain.credit;

import dev.redrain.core.activity.Outcome;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.token.GrantProof;
import dev.redrain.core.token.TokenKeyRing;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Makes token-issued events the way the issuance service will, for the job's tests: each
 * award signed with a grant proof under this test run's own key ring, for a template that
 * {@link CreditJobHarness} puts in the catalog.
 */
final class TokenEvents {
    static final String PARENT = "spring-2027";
    static final String ACTIVITY = "spring-2027-formal";
    static final String TEMPLATE = "cash-888";
    static final long AMOUNT_MINOR_MAX = 500;
    /** This run's token key ring, in the issuance service's configuration form. */
    static final String KEYS = "t1:" + Base64.getEncoder().encodeToString(randomKey());
    static final GrantProof PROOF = new GrantProof(TokenKeyRing.parse(KEYS, "t1"));
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
            events.add(signed(new TokenIssued("ev-" + outTradeNo, outTradeNo,
                    actId + "_scene-1_rain-" + i + "_CASH_FORMAL", "douyin", actId, PARENT,
                    ACTIVITY, Stage.FORMAL, "scene-1", "rain-" + i, TEMPLATE, TEMPLATE, "CASH",
                    Outcome.AWARDED, 1 + random.nextInt((int) AMOUNT_MINOR_MAX), "CNY",
                    Instant.now(), BUSINESS_DATE, null)));
        }
        return events;
    }

    static TokenIssued empty(String actId) {
        return new TokenIssued("ev-empty-" + actId, null, actId + "_scene-1_rain-0_CASH_FORMAL",
                "douyin", actId, "spring-2027", ACTIVITY, Stage.FORMAL, "scene-1", "rain-0",
                "cash-888", "cash-888", "CASH", Outcome.EMPTY, 0, "CNY", Instant.now(),
                BUSINESS_DATE, null);
    }

    /** The event with the proof the issuance service would have given it. */
    static TokenIssued signed(TokenIssued event) {
        return event.withGrantProof(PROOF.sign(event.grant()));
    }

    private static byte[] randomKey() {
        byte[] key = new byte[TokenKeyRing.KEY_LENGTH_BYTES];
        new SecureRandom().nextBytes(key);
        return key;
    }

    static byte[] bytes(TokenIssued event) {
        return SERDE.serialize(event);
    }
}
