package dev.redrain.core.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.token.GrantRejectedException.Reason;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class GrantProofTest {
    private static final Grant GRANT = new Grant("OT1", "douyin", "A1", "spring-2027",
            "spring-2027-formal", Stage.FORMAL, "scene-1", "rain-42", "cash-888", "CASH", 888,
            "CNY", TokenFixtures.OPEN_TIME.toEpochMilli());

    private final GrantProof proof = new GrantProof(TokenFixtures.ring("k2", "k1", "k2"));

    @Test
    void aProofVerifiesForItsOwnGrant() {
        String signed = proof.sign(GRANT);
        assertThat(signed).startsWith("g1.k2.");
        assertThatCode(() -> proof.verify(GRANT, signed)).doesNotThrowAnyException();
    }

    @Test
    void changingAnyFieldBreaksTheProof() {
        String signed = proof.sign(GRANT);
        List<UnaryOperator<Grant>> changes = List.of(
                g -> with(g, "OT2", g.actId(), g.amountMinor(), g.currency(), g.templateId()),
                g -> with(g, g.outTradeNo(), "A2", g.amountMinor(), g.currency(), g.templateId()),
                g -> with(g, g.outTradeNo(), g.actId(), 889, g.currency(), g.templateId()),
                g -> with(g, g.outTradeNo(), g.actId(), g.amountMinor(), "CPN", g.templateId()),
                g -> with(g, g.outTradeNo(), g.actId(), g.amountMinor(), g.currency(), "cash-9"),
                g -> new Grant(g.outTradeNo(), g.appId(), g.actId(), g.parentActivityId(),
                        g.activityId(), Stage.GRAY, g.sceneId(), g.rainId(), g.templateId(),
                        g.awardType(), g.amountMinor(), g.currency(), g.issuedAtMs()),
                g -> new Grant(g.outTradeNo(), g.appId(), g.actId(), g.parentActivityId(),
                        g.activityId(), g.stage(), g.sceneId(), "rain-43", g.templateId(),
                        g.awardType(), g.amountMinor(), g.currency(), g.issuedAtMs()),
                g -> new Grant(g.outTradeNo(), g.appId(), g.actId(), g.parentActivityId(),
                        g.activityId(), g.stage(), g.sceneId(), g.rainId(), g.templateId(),
                        g.awardType(), g.amountMinor(), g.currency(), g.issuedAtMs() + 1));
        for (UnaryOperator<Grant> change : changes) {
            assertThat(reason(change.apply(GRANT), signed))
                    .isEqualTo(Reason.GRANT_PROOF_NOT_AUTHENTIC);
        }
    }

    @Test
    void fieldsCannotBeShiftedFromOneToTheNext() {
        Grant a = new Grant("OT1", "douyin", "A1", "p", "c", Stage.FORMAL, "s1", "r", "t", "CASH",
                1, "CNY", 0);
        Grant b = new Grant("OT1", "douyin", "A1", "p", "c", Stage.FORMAL, "s", "1r", "t", "CASH",
                1, "CNY", 0);
        assertThat(reason(b, proof.sign(a))).isEqualTo(Reason.GRANT_PROOF_NOT_AUTHENTIC);
    }

    @Test
    void missingMalformedAndForeignProofsAreRefusedWithTheirReason() {
        assertThat(reason(GRANT, null)).isEqualTo(Reason.GRANT_PROOF_MISSING);
        assertThat(reason(GRANT, "")).isEqualTo(Reason.GRANT_PROOF_MISSING);
        assertThat(reason(GRANT, "hello")).isEqualTo(Reason.GRANT_PROOF_MALFORMED);
        assertThat(reason(GRANT, "g1.nodot")).isEqualTo(Reason.GRANT_PROOF_MALFORMED);
        assertThat(reason(GRANT, "g1.k9.AAAA")).isEqualTo(Reason.GRANT_PROOF_UNKNOWN_KEY);
        String foreign = new GrantProof(TokenFixtures.ring("k2", "k2")).sign(GRANT);
        // Same key id, other key material: made by someone who is not us.
        assertThat(new GrantProof(TokenKeyRing.of(java.util.Map.of("k2",
                TokenFixtures.key(7)), "k2")).sign(GRANT)).isNotEqualTo(foreign);
        assertThat(reason(GRANT, new GrantProof(TokenKeyRing.of(java.util.Map.of("k2",
                TokenFixtures.key(7)), "k2")).sign(GRANT)))
                .isEqualTo(Reason.GRANT_PROOF_NOT_AUTHENTIC);
    }

    @Test
    void afterRotationOldProofsVerifyUntilTheirKeyIsRetired() {
        String underK1 = new GrantProof(TokenFixtures.ring("k1", "k1")).sign(GRANT);
        assertThatCode(() -> proof.verify(GRANT, underK1)).doesNotThrowAnyException();
        GrantProof retired = new GrantProof(TokenFixtures.ring("k2", "k2"));
        assertThat(catchThrowableOfType(GrantRejectedException.class,
                () -> retired.verify(GRANT, underK1)).reason())
                .isEqualTo(Reason.GRANT_PROOF_UNKNOWN_KEY);
    }

    @Test
    void theProofKeyIsNotTheTokenKey() {
        byte[] tokenKey = TokenFixtures.key(1);
        assertThat(GrantProof.deriveKey(tokenKey)).hasSize(32).isNotEqualTo(tokenKey);
    }

    private Reason reason(Grant grant, String presented) {
        GrantRejectedException e = catchThrowableOfType(GrantRejectedException.class,
                () -> proof.verify(grant, presented));
        assertThat(e).as("refused").isNotNull();
        return e.reason();
    }

    private static Grant with(Grant g, String outTradeNo, String actId, long amountMinor,
            String currency, String templateId) {
        return new Grant(outTradeNo, g.appId(), actId, g.parentActivityId(), g.activityId(),
                g.stage(), g.sceneId(), g.rainId(), templateId, g.awardType(), amountMinor,
                currency, g.issuedAtMs());
    }
}
