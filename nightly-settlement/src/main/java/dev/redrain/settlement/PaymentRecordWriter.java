package dev.redrain.settlement;

import dev.redrain.settlement.statement.StatementLine;
import java.sql.Timestamp;
import java.time.LocalDate;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Stores the channel's statement lines in {@code payment_record}. INSERT IGNORE on the
 * channel's reference: a re-read line (restart) or a line the channel repeated is stored once.
 */
final class PaymentRecordWriter implements ItemWriter<StatementLine> {
    private final JdbcTemplate jdbc;
    private final SettlementProperties properties;

    PaymentRecordWriter(JdbcTemplate jdbc, SettlementProperties properties) {
        this.jdbc = jdbc;
        this.properties = properties;
    }

    @Override
    public void write(Chunk<? extends StatementLine> lines) {
        LocalDate date = StepDates.ofStep();
        String source = properties.statementFile(date).getFileName().toString();
        jdbc.batchUpdate("INSERT IGNORE INTO payment_record (payment_kind, out_trade_no,"
                + " channel_ref, amount_minor, fee_minor, batch_ref, currency, channel_status,"
                + " paid_at, business_date, source_file, source_line)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                lines.getItems().stream().map(line -> new Object[] {line.kind().name(),
                    line.reference(), line.channelRef(), line.amountMinor(), line.feeMinor(),
                    line.batchRef(), line.currency(), line.status(),
                    Timestamp.from(line.paidAt()), date, source, line.lineNumber()}).toList());
    }
}
