package dev.redrain.issuance.grab;

import dev.redrain.core.activity.Outcome;
import dev.redrain.core.catalog.Template;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.money.Money;
import dev.redrain.core.token.GrantProof;
import dev.redrain.core.token.RedPacketToken;
import dev.redrain.core.token.TokenCodec;
import dev.redrain.core.token.TokenStatus;
import dev.redrain.issuance.budget.Reservation;
import dev.redrain.issuance.config.IssuanceProperties;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Map;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Makes a grab's answer and its TokenIssued event: for an award, of exactly the reserved
 * amount, with a sealed token and the grant proof every later step checks; for an empty
 * answer, the event that records it. Writes nothing.
 */
@Component
class GrantMinter {
    private final TokenCodec codec;
    private final GrantProof grantProof;
    private final OutTradeNoGenerator outTradeNos;
    private final ZoneId businessZone;
    private final EventSerde serde = new EventSerde();

    @Autowired
    GrantMinter(TokenCodec codec, GrantProof grantProof, OutTradeNoGenerator outTradeNos,
            IssuanceProperties properties) {
        this(codec, grantProof, outTradeNos, ZoneId.of(properties.businessZone()));
    }

    GrantMinter(TokenCodec codec, GrantProof grantProof, OutTradeNoGenerator outTradeNos,
            ZoneId businessZone) {
        this.codec = codec;
        this.grantProof = grantProof;
        this.outTradeNos = outTradeNos;
        this.businessZone = businessZone;
    }

    /**
     * An answer ready to commit.
     *
     * @param template the template it grants from; null for an empty answer
     * @param payload the event as it is published (and kept in Redis until it is recorded)
     */
    record Minted(GrabAnswer answer, TokenIssued event, byte[] payload, Template template) {

        /** The token hash the commit writes; empty for an empty answer. */
        Map<String, String> tokenFields() {
            return event.hasToken() ? GrabStore.tokenFields(event, TokenStatus.ISSUED.name())
                    : Map.of();
        }

        /** How the award counts against its template's user caps; null when uncapped. */
        GrabRecords.CapCharge capCharge() {
            return template == null || !template.userCaps().any() ? null
                    : new GrabRecords.CapCharge(template.templateId(),
                            OutTradeNoGenerator.businessDate(answer.outTradeNo()),
                            template.userCaps(), answer.amountMinor());
        }
    }

    /** An award of the reserved amount from {@code granted}, with its sealed token. */
    Minted award(AdmittedGrab grab, Template granted, Reservation reservation) {
        Outcome outcome = granted == grab.entry() ? Outcome.AWARDED : Outcome.FALLBACK;
        String outTradeNo = outTradeNos.next();
        Money amount = Money.of(reservation.amountMinor(), granted.currency());
        GrabCommand command = grab.command();
        String token = codec.seal(new RedPacketToken(command.appId(), grab.actId(),
                grab.child().activityId(), command.sceneId(), command.rainId(),
                granted.awardType(), grab.child().stage(), amount, outTradeNo, grab.now(),
                TokenStatus.ISSUED));
        GrabAnswer answer = new GrabAnswer(outcome, granted.templateId(), granted.awardType(),
                amount.amountMinor(), amount.currency(), outTradeNo, token, grab.actId());
        return minted(grab, granted, answer);
    }

    /** The answer when no template of the chain could pay. */
    Minted empty(AdmittedGrab grab) {
        Template entry = grab.entry();
        return minted(grab, null, new GrabAnswer(Outcome.EMPTY, entry.templateId(),
                entry.awardType(), 0, entry.currency(), null, null, grab.actId()));
    }

    private Minted minted(AdmittedGrab grab, Template granted, GrabAnswer answer) {
        TokenIssued event = event(grab, granted, answer);
        return new Minted(answer, event, serde.serialize(event), granted);
    }

    /** The grab's TokenIssued event; {@code granted} is null for an EMPTY answer. */
    private TokenIssued event(AdmittedGrab grab, Template granted, GrabAnswer answer) {
        boolean award = granted != null;
        LocalDate businessDate = award ? OutTradeNoGenerator.businessDate(answer.outTradeNo())
                : LocalDate.ofInstant(grab.now(), businessZone);
        String parentId = grab.parent().activityId();
        String eventId = award ? "issued-" + answer.outTradeNo()
                : "empty-" + parentId + ":" + grab.key().value();
        GrabCommand command = grab.command();
        TokenIssued event = new TokenIssued(eventId, answer.outTradeNo(), grab.key().value(),
                command.appId(), answer.actId(), parentId, grab.child().activityId(),
                grab.child().stage(), command.sceneId(), command.rainId(),
                grab.entry().templateId(), award ? granted.templateId()
                        : grab.entry().templateId(), answer.awardType(), answer.outcome(),
                answer.amountMinor(), answer.currency(), grab.now(), businessDate, null);
        return award ? event.withGrantProof(grantProof.sign(event.grant())) : event;
    }
}
