package dev.redrain.settlement.statement;

import static dev.redrain.settlement.statement.StatementCells.bad;

import dev.redrain.core.ids.Identifiers;
import dev.redrain.core.money.Money;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.springframework.batch.infrastructure.item.file.LineMapper;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;

/**
 * Redrain's own statement format ({@code redrain-csv}): {@code payments-YYYY-MM-DD.csv}, UTF-8,
 * one header line, comma-separated, RFC 4180 quoting allowed within a line, every field
 * required, one line per token funded or payout paid, no fees:
 *
 * <pre>
 * out_trade_no,channel_ref,kind,amount_minor,currency,status,paid_at
 * 202611252030151230007K2M9QX4TB,CH-000001,FUNDING,888,CNY,SUCCESS,2026-11-25T12:30:16.001Z
 * </pre>
 *
 * kind is FUNDING or PAYOUT; amount_minor a positive whole number of minor units; status
 * SUCCESS or FAILED (a FAILED line is imported and never counts as paid); paid_at an ISO-8601
 * instant.
 */
public final class RedrainCsvFormat implements StatementFormat {
    public static final String HEADER = "out_trade_no,channel_ref,kind,amount_minor,currency,"
            + "status,paid_at";

    @Override
    public String name() {
        return "redrain-csv";
    }

    @Override
    public Path file(Path directory, LocalDate businessDate) {
        return directory.resolve("payments-" + businessDate + ".csv");
    }

    /** The format has no checksum and no summary: it counts its lines. */
    @Override
    public int verify(Path file) throws IOException {
        int lines = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            while (in.readLine() != null) {
                lines++;
            }
        }
        return Math.max(0, lines - headerLines());
    }

    @Override
    public Resource text(Path file) {
        return new FileSystemResource(file);
    }

    @Override
    public int headerLines() {
        return 1;
    }

    @Override
    public LineMapper<StatementLine> mapper() {
        return RedrainCsvFormat::parse;
    }

    private static StatementLine parse(String line, int lineNumber) {
        List<String> f;
        try {
            f = StatementCells.fields(line);
        } catch (IllegalArgumentException e) {
            throw bad("not a CSV line (an unterminated quote?)", line, lineNumber);
        }
        if (f.size() != 7) {
            throw bad("expected 7 fields, found " + f.size(), line, lineNumber);
        }
        if (!Identifiers.isValid(f.get(0))) {
            throw bad("out_trade_no is not an id", line, lineNumber);
        }
        if (f.get(1).isEmpty() || f.get(1).length() > 128) {
            throw bad("channel_ref must be 1-128 characters", line, lineNumber);
        }
        if (!f.get(2).equals("FUNDING") && !f.get(2).equals("PAYOUT")) {
            throw bad("kind must be FUNDING or PAYOUT", line, lineNumber);
        }
        long amount;
        try {
            amount = Long.parseLong(f.get(3));
        } catch (NumberFormatException e) {
            throw bad("amount_minor is not a whole number", line, lineNumber);
        }
        if (amount <= 0) {
            throw bad("amount_minor must be positive", line, lineNumber);
        }
        if (!Money.isCurrencyCode(f.get(4))) {
            throw bad("currency is not an asset code", line, lineNumber);
        }
        if (!f.get(5).equals(StatementLine.SUCCESS) && !f.get(5).equals(StatementLine.FAILED)) {
            throw bad("status must be SUCCESS or FAILED", line, lineNumber);
        }
        Instant paidAt;
        try {
            paidAt = Instant.parse(f.get(6));
        } catch (DateTimeParseException e) {
            throw bad("paid_at is not an ISO-8601 instant", line, lineNumber);
        }
        return new StatementLine(StatementLine.Kind.valueOf(f.get(2)), f.get(0), f.get(1),
                amount, 0, f.get(4), f.get(5), paidAt, null, lineNumber);
    }
}
