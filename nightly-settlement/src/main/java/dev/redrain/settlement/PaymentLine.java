package dev.redrain.settlement;

import dev.redrain.core.ids.Identifiers;
import dev.redrain.core.money.Money;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.springframework.batch.infrastructure.item.file.FlatFileParseException;
import org.springframework.batch.infrastructure.item.file.LineMapper;

/**
 * One line of the payment channel's statement file. The format (CSV, UTF-8, one header line,
 * comma-separated, RFC 4180 quoting allowed within a line, every field required):
 *
 * <pre>
 * out_trade_no,channel_ref,kind,amount_minor,currency,status,paid_at
 * 202611252030151230007K2M9QX4TB,CH-000001,FUNDING,888,CNY,SUCCESS,2026-11-25T12:30:16.001Z
 * </pre>
 *
 * kind is FUNDING (the channel moved a credited cash token's money from the activity's funding
 * account) or PAYOUT (a withdrawal paid out); amount_minor a positive whole number of minor
 * units; status SUCCESS or FAILED (a FAILED line is imported and never counts as paid);
 * paid_at an ISO-8601 instant.
 */
public record PaymentLine(String outTradeNo, String channelRef, String kind, long amountMinor,
        String currency, String status, Instant paidAt, int lineNumber) {

    public static final String HEADER = "out_trade_no,channel_ref,kind,amount_minor,currency,status,"
            + "paid_at";

    /** Parses lines; a bad one throws FlatFileParseException with the reason and the line. */
    static final LineMapper<PaymentLine> MAPPER = (line, lineNumber) -> {
        String[] f;
        try {
            f = CsvCells.fields(line).toArray(String[]::new);
        } catch (IllegalArgumentException e) {
            throw bad("not a CSV line (an unterminated quote?)", line, lineNumber);
        }
        if (f.length != 7) {
            throw bad("expected 7 fields, found " + f.length, line, lineNumber);
        }
        if (!Identifiers.isValid(f[0])) {
            throw bad("out_trade_no is not an id", line, lineNumber);
        }
        if (f[1].isEmpty() || f[1].length() > 128) {
            throw bad("channel_ref must be 1-128 characters", line, lineNumber);
        }
        if (!f[2].equals("FUNDING") && !f[2].equals("PAYOUT")) {
            throw bad("kind must be FUNDING or PAYOUT", line, lineNumber);
        }
        long amount;
        try {
            amount = Long.parseLong(f[3]);
        } catch (NumberFormatException e) {
            throw bad("amount_minor is not a whole number", line, lineNumber);
        }
        if (amount <= 0) {
            throw bad("amount_minor must be positive", line, lineNumber);
        }
        if (!Money.isCurrencyCode(f[4])) {
            throw bad("currency is not an asset code", line, lineNumber);
        }
        if (!f[5].equals("SUCCESS") && !f[5].equals("FAILED")) {
            throw bad("status must be SUCCESS or FAILED", line, lineNumber);
        }
        Instant paidAt;
        try {
            paidAt = Instant.parse(f[6]);
        } catch (DateTimeParseException e) {
            throw bad("paid_at is not an ISO-8601 instant", line, lineNumber);
        }
        return new PaymentLine(f[0], f[1], f[2], amount, f[4], f[5], paidAt, lineNumber);
    };

    private static FlatFileParseException bad(String reason, String line, int lineNumber) {
        return new FlatFileParseException(reason, line, lineNumber);
    }
}
