package dev.redrain.issuance.grab;

import dev.redrain.core.event.EventDecodingException;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.token.GrantProof;
import dev.redrain.core.token.GrantRejectedException;
import dev.redrain.issuance.events.EventPublisher;
import dev.redrain.issuance.ops.Switches;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The last step of a grab: its event recorded durably (Kafka acknowledged it, or the outbox
 * holds it) before the answer is given, so a client never holds a token the durable record
 * does not know. An event Redis keeps as unrecorded is published only once it proves to be this
 * service's grant of exactly the key's answer: Redis is not trusted to hand over an event.
 */
@Component
class GrabRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(GrabRecorder.class);
    /** How long a grab waits for its event to be recorded before it answers 503. */
    static final String RECORD_DEADLINE = "${redrain.grab.record-deadline:3s}";

    /** Where events are recorded: true once Kafka or the outbox holds it, false on time-out. */
    @FunctionalInterface
    interface Durable {
        boolean record(TokenIssued event, byte[] payload);
    }

    private final Durable durable;
    private final GrabRecords records;
    private final GrantProof grantProof;
    private final EventSerde serde = new EventSerde();

    @Autowired
    GrabRecorder(EventPublisher publisher, Switches switches, GrabRecords records,
            GrantProof grantProof, @Value(RECORD_DEADLINE) Duration recordDeadline) {
        this((event, payload) -> {
            try {
                publisher.record(event, payload, switches.isOn(Switches.OUTBOX_ONLY),
                        recordDeadline);
                return true;
            } catch (EventPublisher.NotRecordedException e) {
                return false;
            }
        }, records, grantProof);
    }

    GrabRecorder(Durable durable, GrabRecords records, GrantProof grantProof) {
        this.durable = durable;
        this.records = records;
        this.grantProof = grantProof;
    }

    /**
     * Records a committed grab's event and forgets its unrecorded copy in Redis.
     *
     * @throws ApiException 503 GRAB_NOT_RECORDED when neither Kafka nor the outbox took it
     */
    void record(String actId, String recordId, TokenIssued event, byte[] payload) {
        if (!durable.record(event, payload)) {
            throw ApiException.unavailable(ErrorCode.GRAB_NOT_RECORDED, "the grab is decided"
                    + " but not yet recorded; retry with the same request for its answer",
                    Duration.ofSeconds(1));
        }
        records.recorded(actId, recordId);
    }

    /**
     * An answer found committed, once its event is recorded: an award whose event is still
     * marked unrecorded (its first request ran out of time, or its instance died before
     * answering) has the event recorded again first.
     */
    GrabAnswer recordedAnswer(String actId, String recordId, GrabAnswer answer) {
        return recorded(actId, recordId, answer, records.unrecorded(actId, recordId));
    }

    /** As {@link #recordedAnswer}, with the unrecorded event (or null) already read. */
    GrabAnswer recorded(String actId, String recordId, GrabAnswer answer, byte[] payload) {
        if (payload != null) {
            TokenIssued event = provenEvent(payload, answer).orElseThrow(() -> {
                LOG.error("the unrecorded event of grab {} of {} is not this service's record"
                        + " of its answer; the grab is not answered", answer.outTradeNo(),
                        answer.actId());
                return ApiException.unavailable(ErrorCode.GRAB_NOT_RECORDED, "the grab's"
                        + " record is damaged; it needs an operator", Duration.ofSeconds(60));
            });
            record(actId, recordId, event, payload);
        }
        return answer;
    }

    /** What {@link #recordMarked} found for a grab Redis marks unrecorded. */
    enum Marked {
        /** Its event is now on Kafka or in the outbox, and the mark is gone. */
        RECORDED,
        /** Nothing to do: the mark is gone (a request or another sweeper recorded it). */
        GONE,
        /**
         * Refused: the mark is not this service's record of the key's answer (no answer, a
         * proof that does not verify, or a different grant). Left in Redis for an operator.
         */
        REFUSED
    }

    /**
     * Records the event of a committed grab that Redis still marks unrecorded, as a retry of
     * the grab would: only once the mark proves to be this service's grant of exactly the
     * key's answer. For grabs whose instance died between the commit and the record, and
     * whose client never came back.
     *
     * @throws ApiException GRAB_NOT_RECORDED when neither Kafka nor the outbox takes it now
     */
    Marked recordMarked(String actId, String recordId) {
        byte[] payload = records.unrecorded(actId, recordId);
        if (payload == null) {
            return Marked.GONE;
        }
        GrabAnswer answer = records.answer(actId, recordId);
        Optional<TokenIssued> event = answer == null ? Optional.empty()
                : provenEvent(payload, answer);
        if (event.isEmpty()) {
            return Marked.REFUSED;
        }
        record(actId, recordId, event.get(), payload);
        return Marked.RECORDED;
    }

    /**
     * The unrecorded event of an answer, only if it is this service's grant of exactly that
     * answer.
     */
    private Optional<TokenIssued> provenEvent(byte[] payload, GrabAnswer answer) {
        try {
            TokenIssued event = serde.deserialize(payload, TokenIssued.class);
            if (event.hasToken()) {
                grantProof.verify(event.grant(), event.grantProof());
            }
            if (Objects.equals(event.outTradeNo(), answer.outTradeNo())
                    && event.actId().equals(answer.actId())
                    && event.outcome() == answer.outcome()
                    && event.amountMinor() == answer.amountMinor()) {
                return Optional.of(event);
            }
        } catch (EventDecodingException | GrantRejectedException e) {
            // Not this service's record: refused by the caller.
        }
        return Optional.empty();
    }
}
