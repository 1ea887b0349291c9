package dev.redrain.settlement;

import dev.redrain.core.secrets.Redacted;
import dev.redrain.settlement.statement.FeeSchedule;
import dev.redrain.settlement.statement.StatementFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the settlement job ({@code redrain.settlement.*}).
 *
 * @param statementDir where the payment channel's statement files are (the format names them)
 * @param statementFormat the channel's statement format: {@code redrain-csv} (Redrain's own,
 *     {@code payments-YYYY-MM-DD.csv}) or {@code channel-bill} (a bill like a real channel's,
 *     {@code bill-YYYY-MM-DD.csv.gz} with its checksum)
 * @param channelZone the zone of the channel's local times (a bill's trade_time)
 * @param fundingFeePpm the contract's fee on funding a token, parts per million of its amount
 * @param payoutFeePpm the contract's fee on a payout, parts per million of its amount
 * @param batchFeeMinor the contract's fee on a payout batch, in minor units
 * @param reportDir where reports go, one folder per business date
 * @param buckets hash buckets of outTradeNos (the match's unit of partitioning)
 * @param partitions match partitions run at once (threads)
 * @param chunkSize items per chunk (one transaction)
 * @param skipLimit bad statement lines tolerated before the import fails the job
 * @param repairGrace how old an ISSUED_NOT_CREDITED token must be before the job re-credits it
 *     (the stream may simply not have reached it yet)
 * @param grace per break category, how long after the cut-off of the night an item is first seen
 *     it is a timing item (EXPECTED) rather than a break; none by default, so nothing is hidden
 *     as timing unless the channel's contract says when its counterpart arrives
 * @param tokenKeys the token key ring ({@code id:base64key,...}), to verify grant proofs before
 *     a repair; required, so a settlement without it refuses to start rather than repair
 *     unproven grants
 * @param kafkaBootstrap the Kafka holding the token-issued topic, where a repair looks for the
 *     grant's event; empty: only the outbox can corroborate (more breaks stay UNPROVEN)
 * @param topicPrefix the deployment's topic prefix
 */
@ConfigurationProperties("redrain.settlement")
public record SettlementProperties(
        @DefaultValue("statements") Path statementDir,
        @DefaultValue("redrain-csv") String statementFormat,
        @DefaultValue("Asia/Shanghai") ZoneId channelZone,
        @DefaultValue("0") long fundingFeePpm,
        @DefaultValue("0") long payoutFeePpm,
        @DefaultValue("0") long batchFeeMinor,
        @DefaultValue("reports") Path reportDir,
        @DefaultValue("redis://127.0.0.1:6379") String redisUri,
        @DefaultValue("rd") String redisNamespace,
        @DefaultValue("64") int buckets,
        @DefaultValue("4") int partitions,
        @DefaultValue("1000") int chunkSize,
        @DefaultValue("100") int skipLimit,
        @DefaultValue("2h") Duration repairGrace,
        Map<Break.Category, Duration> grace,
        String tokenKeys,
        @DefaultValue("") String kafkaBootstrap,
        @DefaultValue("redrain.") String topicPrefix) {

    public SettlementProperties {
        grace = grace == null ? Map.of() : Map.copyOf(grace);
        if (tokenKeys == null || tokenKeys.isBlank()) {
            throw new IllegalArgumentException("redrain.settlement.token-keys (REDRAIN_TOKEN_KEYS)"
                    + " is required: without the key ring no repair can be proven");
        }
        if (buckets < 1 || partitions < 1 || partitions > buckets || chunkSize < 1
                || skipLimit < 0) {
            throw new IllegalArgumentException("invalid settlement settings");
        }
        StatementFormat.named(statementFormat, channelZone);
        new FeeSchedule(fundingFeePpm, payoutFeePpm, batchFeeMinor);
        new Timing(grace, channelZone);
    }

    /** Never prints the key ring. */
    @Override
    public String toString() {
        return "SettlementProperties{statementDir=" + statementDir + ", statementFormat="
                + statementFormat + ", channelZone=" + channelZone + ", fees=" + fees() + ", grace=" + grace
                + ", reportDir=" + reportDir
                + ", redisUri=" + Redacted.uri(redisUri) + ", namespace=" + redisNamespace + ", buckets="
                + buckets + ", partitions=" + partitions + ", chunkSize=" + chunkSize
                + ", repairGrace=" + repairGrace + ", kafka=" + kafkaBootstrap + ", topicPrefix="
                + topicPrefix + "}";
    }

    StatementFormat format() {
        return StatementFormat.named(statementFormat, channelZone);
    }

    Timing timing() {
        return new Timing(grace, channelZone);
    }

    FeeSchedule fees() {
        return new FeeSchedule(fundingFeePpm, payoutFeePpm, batchFeeMinor);
    }

    Path statementFile(LocalDate businessDate) {
        return format().file(statementDir, businessDate);
    }
}
