package dev.redrain.credit;

import java.io.IOException;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Books tokens in the ledger in batches, then marks them CREDITED in Redis, then publishes
 * TokenCredited. Every pending batch is written on each checkpoint (before the barrier passes),
 * so a checkpoint's Kafka offsets never run ahead of the ledger; a replay after a restart is
 * absorbed by the ledger's unique outTradeNo. Exactly once in effect, without a two-phase
 * commit.
 */
public final class LedgerCreditSink implements Sink<TokenToCredit> {
    private final CreditSinkSettings settings;
    private final CreditFaultInjector faultInjector;

    public LedgerCreditSink(CreditSinkSettings settings) {
        this(settings, CreditFaultInjector.NONE);
    }

    public LedgerCreditSink(CreditSinkSettings settings, CreditFaultInjector faultInjector) {
        this.settings = settings;
        this.faultInjector = faultInjector;
    }

    @Override
    public SinkWriter<TokenToCredit> createWriter(WriterInitContext context) throws IOException {
        return new LedgerCreditWriter(settings, faultInjector, context);
    }
}
