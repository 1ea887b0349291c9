package dev.redrain.credit;

import dev.redrain.core.event.EventDecodingException;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.token.GrantProof;
import dev.redrain.core.token.GrantRejectedException;
import dev.redrain.core.token.TokenKeyRing;
import java.sql.SQLException;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Decodes and checks each token-issued record. A token to book goes on only with proof that
 * the issuance service granted it: its grant proof verifies under the token key ring, and it
 * fits the catalog (activity, stage, template, award type, asset, amount rule). An EMPTY
 * outcome (no token, nothing to book) is counted and dropped; anything else goes to the
 * dead-letter side output with a reason, and the job keeps running. A record on the topic is
 * not evidence of anything by itself: anyone with write access to Kafka could have made it.
 */
final class TokenValidator extends ProcessFunction<RawTokenRecord, TokenToCredit> {
    static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation
                    .of(DeadLetter.class));
    /** Reason for a well-formed event whose outTradeNo was not made by OutTradeNoGenerator. */
    static final String REASON_BAD_OUT_TRADE_NO = "INVALID_OUT_TRADE_NO";

    private final GrantCheckSettings settings;
    private transient EventSerde serde;
    private transient GrantProof grantProof;
    private transient GrantCatalog catalog;
    private transient Counter deadLettered;
    private transient Counter emptyOutcomes;

    TokenValidator(GrantCheckSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext context)
            throws SQLException {
        serde = new EventSerde();
        grantProof = new GrantProof(TokenKeyRing.parseForVerifying(settings.tokenKeys()));
        catalog = new GrantCatalog(settings.jdbcUrl(), settings.jdbcUser(),
                settings.jdbcPassword());
        catalog.load();
        deadLettered = getRuntimeContext().getMetricGroup().counter("deadLettered");
        emptyOutcomes = getRuntimeContext().getMetricGroup().counter("emptyOutcomes");
    }

    @Override
    public void processElement(RawTokenRecord record, Context context,
            Collector<TokenToCredit> out) throws SQLException {
        TokenIssued event;
        try {
            event = serde.deserialize(record.value, TokenIssued.class);
        } catch (EventDecodingException e) {
            deadLetter(context, record, e.reason().name(), e.getMessage());
            return;
        }
        if (!event.hasToken()) {
            emptyOutcomes.inc();
            return;
        }
        if (!OutTradeNoGenerator.isWellFormed(event.outTradeNo())) {
            deadLetter(context, record, REASON_BAD_OUT_TRADE_NO, "outTradeNo "
                    + event.outTradeNo() + " is not one Redrain issues");
            return;
        }
        try {
            grantProof.verify(event.grant(), event.grantProof());
        } catch (GrantRejectedException e) {
            deadLetter(context, record, e.reason().name(), e.getMessage());
            return;
        }
        // A database failure here throws: the job restarts from its checkpoint and checks the
        // record again, rather than book it unchecked or dead-letter a genuine grant.
        GrantCatalog.Refusal refusal = catalog.check(event);
        if (refusal != null) {
            deadLetter(context, record, refusal.reason(), refusal.message());
            return;
        }
        out.collect(TokenToCredit.of(event));
    }

    private void deadLetter(Context context, RawTokenRecord record, String reason,
            String message) {
        deadLettered.inc();
        context.output(DEAD_LETTERS, new DeadLetter(reason, message, record.position(),
                record.key, record.value));
    }
}
