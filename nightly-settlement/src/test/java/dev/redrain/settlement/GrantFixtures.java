package dev.redrain.settlement;

import dev.redrain.core.activity.Outcome;
import dev.redrain.core.activity.Stage;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.keys.TokenHash;
import dev.redrain.core.keys.Topics;
import dev.redrain.core.token.GrantProof;
import dev.redrain.core.token.TokenKeyRing;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Grants as the issuance service makes them, for settlement tests: a TokenIssued event signed
 * under this run's key ring, the token hash the service writes for it, and its outbox row.
 */
final class GrantFixtures {
    /** This run's token key ring, as {@code redrain.settlement.token-keys} takes it. */
    static final String KEYS = "s1:" + Base64.getEncoder().encodeToString(randomKey());
    static final GrantProof PROOF = new GrantProof(TokenKeyRing.parse(KEYS, "s1"));
    private static final EventSerde SERDE = new EventSerde();

    private GrantFixtures() {
    }

    static TokenIssued event(String outTradeNo, String actId, String activityId,
            String templateId, String awardType, long amountMinor, String currency,
            Instant issuedAt) {
        TokenIssued event = new TokenIssued("issued-" + outTradeNo, outTradeNo,
                actId + "_s_r_" + awardType + "_FORMAL", "douyin", actId, "act", activityId,
                Stage.FORMAL, "s", "r", templateId, templateId, awardType, Outcome.AWARDED,
                amountMinor, currency, issuedAt, OutTradeNoGenerator.businessDate(outTradeNo),
                null);
        return event.withGrantProof(PROOF.sign(event.grant()));
    }

    /** The token hash the issuance service writes for {@code event}. */
    static Map<String, String> hash(TokenIssued event, String status) {
        return TokenHash.fieldsOf(event, status);
    }

    /** The outbox row the service writes when Kafka does not take the event. */
    static void outbox(JdbcTemplate jdbc, Topics topics, TokenIssued event) {
        jdbc.update("INSERT INTO outbox (topic, message_key, payload) VALUES (?, ?, ?)",
                topics.tokenIssued(), event.actId(), SERDE.serialize(event));
    }

    static byte[] bytes(TokenIssued event) {
        return SERDE.serialize(event);
    }

    private static byte[] randomKey() {
        byte[] key = new byte[TokenKeyRing.KEY_LENGTH_BYTES];
        new SecureRandom().nextBytes(key);
        return key;
    }
}
