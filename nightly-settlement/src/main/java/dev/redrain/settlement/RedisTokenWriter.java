package dev.redrain.settlement;

import dev.redrain.core.keys.TokenHash;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.Map;
import java.util.zip.CRC32;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Stages the night's Redis token hashes in {@code recon_redis_token}, each with its hash
 * bucket, for the match to join in the database. A re-read hash (restart) updates its row.
 */
final class RedisTokenWriter implements ItemWriter<Map<String, String>> {
    private final JdbcTemplate jdbc;
    private final int buckets;

    RedisTokenWriter(JdbcTemplate jdbc, int buckets) {
        this.jdbc = jdbc;
        this.buckets = buckets;
    }

    @Override
    public void write(Chunk<? extends Map<String, String>> hashes) {
        LocalDate date = StepDates.ofStep();
        jdbc.batchUpdate("INSERT INTO recon_redis_token (business_date, out_trade_no, bucket,"
                + " act_id, activity_id, stage, award_type, template_id, currency, amount_minor,"
                + " status, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON DUPLICATE KEY UPDATE status = VALUES(status),"
                + " amount_minor = VALUES(amount_minor)",
                hashes.getItems().stream().map(hash -> row(date, hash)).toList());
    }

    private Object[] row(LocalDate date, Map<String, String> hash) {
        Legs.Redis token = LegLookup.fromHash(hash);
        String outTradeNo = hash.get(TokenHash.OUT_TRADE_NO);
        return new Object[] {date, outTradeNo, bucket(outTradeNo, buckets), token.actId(),
            token.activityId(), token.stage(), token.awardType(),
            hash.get(TokenHash.TEMPLATE_ID), token.currency(), token.amountMinor(),
            token.status(), token.issuedAt() == null ? null : Timestamp.from(token.issuedAt())};
    }

    /** The hash bucket of an outTradeNo: CRC32 of its bytes, as MySQL's CRC32() computes it. */
    static int bucket(String outTradeNo, int buckets) {
        CRC32 crc = new CRC32();
        crc.update(outTradeNo.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % buckets);
    }
}
